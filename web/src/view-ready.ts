// Marks when a view has its data on screen (after the next frame), so a browser test can read
// how long the view took: performance.getEntriesByName("braid:<view>-ready").
export function markViewReady(view: string): void {
  requestAnimationFrame(() => {
    setTimeout(() => {
      performance.mark(`braid:${view}-ready`);
      document.documentElement.dataset.viewReady = view;
    }, 0);
  });
}
