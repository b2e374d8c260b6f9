// Self-hosted mermaid, loaded only when a page actually has a diagram.
// Material renders ```mermaid blocks with the global `mermaid` if one exists (else it
// would fetch a CDN copy). This stand-in is that global: Material calls initialize()
// once and render() per diagram; the first render() loads the real bundle, which
// then replaces the stand-in. Pages without diagrams never pay for it.
(() => {
  const src = new URL("../vendor/mermaid.min.js", document.currentScript.src).href;
  let config = {};
  let loading = null;
  const load = () =>
    (loading ??= new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = () => {
        window.mermaid.initialize(config);
        resolve(window.mermaid);
      };
      script.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.append(script);
    }));
  // A diagram wider than a phone keeps its natural size (text stays 16 px) and scrolls
  // sideways in its block (servebook.css), instead of shrinking its text below 11 px.
  // While it overflows, the block is a named, focusable region, so keys can scroll it.
  const scrollable = (host) => {
    const update = () => {
      if (host.scrollWidth > host.clientWidth) {
        Object.assign(host, { tabIndex: 0, role: "region" });
        host.setAttribute("aria-label", "Diagram (scrolls sideways)");
      } else {
        host.removeAttribute("tabindex");
        host.removeAttribute("role");
        host.removeAttribute("aria-label");
      }
    };
    new ResizeObserver(update).observe(host);
  };
  window.mermaid = {
    initialize(options) {
      config = { ...options, flowchart: { ...options.flowchart, useMaxWidth: false } };
    },
    async render(id, text) {
      const { svg } = await (await load()).render(id, text);
      // Material calls fn with the diagram's shadow root once it is in the page.
      return { svg, fn: (shadow) => scrollable(shadow.host) };
    },
  };
})();
