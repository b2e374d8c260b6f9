// Self-hosted mermaid, loaded only when a page actually has a diagram.
// Material renders ```mermaid blocks with the global `mermaid` if one exists (else it
// would fetch a CDN copy). This stand-in is that global: Material calls initialize()
// once and render() per diagram; the first render() loads the real bundle (3.6 MB), which
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
  window.mermaid = {
    initialize(options) {
      config = options;
    },
    async render(id, text) {
      return (await load()).render(id, text);
    },
  };
})();
