module github.com/braid/braid/schemas/glossary/generated/go

go 1.21
