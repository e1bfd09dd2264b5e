// The browser half of cnnviz.widgets.DrawingPad (an anywidget ES module: no build step, no imports).
//
// The pad draws locally from pointer events (mouse, pen and touch alike) and tells the kernel
// by setting the model's "image" to the canvas as a PNG data URL: while the pen moves, at most
// once every "live_ms" milliseconds (so a picture can follow the pen; 0 = never), and once
// more when the pen is lifted (the finished stroke, always sent).
// The other way, when Python sets "image" (a digit to show, or "" to clear), the pad draws it.
//
// Synced traits: image (str, "" = empty), size (canvas pixels per side), pen_width (canvas
// pixels), eraser (bool), live_ms (int). Undo keeps, per view, the canvas as it was before each change.

const UNDO_DEPTH = 20;
const INK = "#ffffff"; // MNIST's digits: bright ink on a black background
const PAPER = "#000000";

function button(label, className, title) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.title = title;
  b.className = `jupyter-widgets jupyter-button widget-button ${className}`;
  return b;
}

function render({ model, el }) {
  const size = model.get("size");
  const root = document.createElement("div");
  root.className = "cnnviz-pad";

  const canvas = document.createElement("canvas");
  canvas.className = "cnnviz-pad-canvas";
  canvas.width = canvas.height = size;
  canvas.style.width = canvas.style.height = `${size}px`;
  const ctx = canvas.getContext("2d");

  // the tools: pen width, eraser, undo, clear
  const tools = document.createElement("div");
  tools.className = "cnnviz-pad-tools";
  const widthLabel = document.createElement("label");
  widthLabel.textContent = "pen";
  const width = document.createElement("input");
  width.type = "range";
  width.min = "1";
  width.max = "80";
  width.className = "cnnviz-pad-width";
  width.title = "pen width (canvas pixels)";
  widthLabel.appendChild(width);
  const eraser = button("eraser", "cnnviz-pad-eraser", "erase instead of drawing");
  const undo = button("undo", "cnnviz-pad-undo", "undo the last stroke");
  const clear = button("clear", "cnnviz-pad-clear", "empty the pad");
  tools.append(widthLabel, eraser, undo, clear);
  root.append(canvas, tools);
  el.appendChild(root);

  // -- the canvas and what the kernel knows of it --------------------------------------------
  const history = []; // ImageData of the canvas before each change, newest last
  let lastSent = model.get("image"); // the image this view sent (or drew) last

  function fill() {
    ctx.globalCompositeOperation = "source-over";
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, size, size);
  }

  function remember() {
    history.push(ctx.getImageData(0, 0, size, size));
    if (history.length > UNDO_DEPTH) history.shift();
    undo.disabled = false;
  }

  function send(url) {
    lastSent = url;
    model.set("image", url);
    model.save_changes(); // one message to the kernel
  }

  function drawImage(url) {
    fill();
    if (!url) return;
    const picture = new Image();
    picture.onload = () => {
      ctx.imageSmoothingEnabled = false; // a 28×28 digit shows its pixels
      ctx.drawImage(picture, 0, 0, size, size);
    };
    picture.src = url;
  }

  function onImageChange() {
    const url = model.get("image");
    if (url === lastSent) return; // our own stroke coming back
    remember();
    lastSent = url;
    drawImage(url);
  }

  // -- strokes --------------------------------------------------------------------------------
  let pointer = null; // the id of the pointer drawing now, if any
  let last = null;
  let lastLive = 0; // when the stroke was last sent while drawing (performance.now(), ms)

  function at(event) {
    const box = canvas.getBoundingClientRect();
    return [
      ((event.clientX - box.left) * size) / box.width,
      ((event.clientY - box.top) * size) / box.height,
    ];
  }

  function pen() {
    ctx.globalCompositeOperation = "source-over";
    ctx.strokeStyle = ctx.fillStyle = model.get("eraser") ? PAPER : INK;
    ctx.lineWidth = model.get("pen_width");
    ctx.lineCap = ctx.lineJoin = "round";
  }

  function dot([x, y]) {
    pen();
    ctx.beginPath();
    ctx.arc(x, y, model.get("pen_width") / 2, 0, 2 * Math.PI);
    ctx.fill();
  }

  function line([x0, y0], [x1, y1]) {
    pen();
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
  }

  function down(event) {
    if (pointer !== null || (event.pointerType === "mouse" && event.button !== 0)) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    pointer = event.pointerId;
    remember();
    last = at(event);
    dot(last);
    lastLive = performance.now(); // the first live update comes one interval into the stroke
  }

  function move(event) {
    if (event.pointerId !== pointer) return;
    event.preventDefault();
    // the moves the browser merged into this event, for smooth fast strokes
    let moves = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    if (moves.length === 0) moves = [event];
    for (const m of moves) {
      const p = at(m);
      line(last, p);
      last = p;
    }
    // throttled: a slow kernel is not flooded, and the stroke so far reaches it while drawing
    const every = model.get("live_ms");
    if (every > 0 && performance.now() - lastLive >= every) {
      lastLive = performance.now();
      send(canvas.toDataURL("image/png"));
    }
  }

  function up(event) {
    if (event.pointerId !== pointer) return;
    pointer = null;
    send(canvas.toDataURL("image/png")); // the finished stroke, exactly
  }

  canvas.addEventListener("pointerdown", down);
  canvas.addEventListener("pointermove", move);
  canvas.addEventListener("pointerup", up);
  canvas.addEventListener("pointercancel", up);

  // -- the tools ------------------------------------------------------------------------------
  function showTools() {
    width.value = String(model.get("pen_width"));
    eraser.classList.toggle("mod-active", model.get("eraser"));
    eraser.setAttribute("aria-pressed", String(model.get("eraser")));
  }

  width.addEventListener("change", () => {
    model.set("pen_width", Number(width.value));
    model.save_changes();
  });
  eraser.addEventListener("click", () => {
    model.set("eraser", !model.get("eraser"));
    model.save_changes();
  });
  undo.addEventListener("click", () => {
    if (history.length === 0) return;
    ctx.putImageData(history.pop(), 0, 0);
    undo.disabled = history.length === 0;
    send(canvas.toDataURL("image/png"));
  });
  clear.addEventListener("click", () => {
    remember();
    fill();
    send("");
  });

  model.on("change:image", onImageChange);
  model.on("change:pen_width", showTools);
  model.on("change:eraser", showTools);

  undo.disabled = true;
  showTools();
  drawImage(lastSent);

  return () => {
    model.off("change:image", onImageChange);
    model.off("change:pen_width", showTools);
    model.off("change:eraser", showTools);
  };
}

export default { render };
