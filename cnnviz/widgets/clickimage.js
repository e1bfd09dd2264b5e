// The browser half of cnnviz.widgets.ClickImage (an anywidget ES module: no build step, no imports).
//
// Shows the PNG of the synced trait "png" (a binary buffer: a DataView over its bytes) through
// a blob: URL, and, on a click, tells the kernel where:
// it sets "click" to {x, y, n}, the position in the PNG's own pixels (0, 0 at the top left;
// the image may be shown smaller than its size, so the browser's position is scaled back),
// and n counts the clicks so that two clicks on the same pixel are two changes.

function render({ model, el }) {
  const img = document.createElement("img");
  img.className = "cnnviz-clickimage";
  img.style.cursor = "crosshair";
  img.style.maxWidth = "100%";
  img.draggable = false;
  img.alt = model.get("alt");
  let clicks = 0;

  let url = null; // the blob: URL shown now; freed once the next picture replaces it

  function show() {
    const png = model.get("png");
    const shown = url;
    url = png && png.byteLength ? URL.createObjectURL(new Blob([png], { type: "image/png" })) : null;
    if (url) img.src = url;
    else img.removeAttribute("src");
    img.dataset.bytes = png ? png.byteLength : 0; // the PNG's size, for benchmarks
    if (shown) URL.revokeObjectURL(shown);
  }

  img.addEventListener("click", (event) => {
    if (!img.naturalWidth || !img.clientWidth) return;
    const box = img.getBoundingClientRect();
    const scale = img.naturalWidth / box.width;
    clicks += 1;
    model.set("click", {
      x: (event.clientX - box.left) * scale,
      y: (event.clientY - box.top) * (img.naturalHeight / box.height),
      n: clicks,
    });
    model.save_changes();
  });

  model.on("change:png", show);
  show();
  el.appendChild(img);
  return () => {
    model.off("change:png", show);
    if (url) URL.revokeObjectURL(url);
  };
}

export default { render };
