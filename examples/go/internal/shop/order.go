package shop

// Order is the body the load generator posts to the frontend and the frontend forwards to
// checkout.
type Order struct {
	UserID      string `json:"user_id"`
	CartID      string `json:"cart_id"`
	Items       []Item `json:"items"`
	AmountCents int64  `json:"amount_cents"`
}

type Item struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}
