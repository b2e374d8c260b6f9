// Small accessibility patches to Material's generated markup (axe-core finds these):
// - the search overlay is a role=dialog without a name;
// - each code block's copy-button wrapper is a <nav>, i.e. an unnamed navigation
//   landmark repeated per block; it is a toolbar of one button, not navigation.
function patch(root) {
  for (const search of root.querySelectorAll(".md-search[role=dialog]:not([aria-label])"))
    search.setAttribute("aria-label", "Search");
  for (const nav of root.querySelectorAll("nav.md-code__nav:not([role])"))
    nav.setAttribute("role", "none");
}

patch(document);
new MutationObserver((records) => {
  for (const record of records)
    for (const node of record.addedNodes) if (node.nodeType === 1) patch(node.parentElement || node);
}).observe(document.body, { childList: true, subtree: true });
