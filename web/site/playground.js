// The playground: each cell's Run button sends its code to Python and shows what came back.
import { Python, Stopped, stepperFrame } from "./python.js";

const status = document.getElementById("status");
const buttons = [...document.querySelectorAll("button.run")];
let running = null; // the cell's button while a cell runs

const python = new Python((type, text) => {
  status.textContent = text;
  status.dataset.state = type;
  const ready = type === "ready";
  for (const button of buttons) if (button !== running) button.disabled = !ready;
});

for (const button of buttons) {
  const cell = button.closest(".cell");
  const editor = cell.querySelector("textarea");
  const output = cell.querySelector(".output");
  button.addEventListener("click", () => (running === button ? python.stop() : run(button, editor, output)));
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.shiftKey) {
      event.preventDefault();
      if (!button.disabled && running === null) run(button, editor, output);
    }
  });
  fitHeight(editor);
  editor.addEventListener("input", () => fitHeight(editor));
}

function fitHeight(editor) {
  editor.style.height = "auto";
  editor.style.height = `${editor.scrollHeight + 4}px`;
}

async function run(button, editor, output) {
  running = button;
  for (const other of buttons) other.disabled = other !== button;
  button.textContent = "Stop";
  button.classList.add("stop");
  output.replaceChildren(line("running…", "note"));
  try {
    const answer = await python.call("run", { code: editor.value });
    output.replaceChildren(...shown(answer));
  } catch (error) {
    if (!(error instanceof Stopped)) throw error;
    output.replaceChildren(line("Stopped. Python was restarted, so the cells' variables are " +
      "gone: run the cells above again.", "error"));
  } finally {
    running = null;
    button.textContent = "Run";
    button.classList.remove("stop");
    for (const other of buttons) other.disabled = !python.ready;
  }
}

function shown(answer) {
  if (answer.refused) return [line(answer.refused, "error")];
  const { printed, outputs, error } = answer.ok;
  const parts = [];
  if (printed) parts.push(line(printed, "printed"));
  for (const { kind, data } of outputs) {
    if (kind === "svg") parts.push(drawing(data));
    else if (kind === "stepper") parts.push(stepperFrame(data, "backward(), step by step"));
    else parts.push(line(data, "value"));
  }
  if (error) parts.push(line(error, "error"));
  if (parts.length === 0) parts.push(line("(nothing printed)", "note"));
  return parts;
}

function line(text, kind) {
  const pre = document.createElement("pre");
  pre.className = kind;
  pre.textContent = text;
  return pre;
}

// SVG text (Graphviz's, or any a cell's value gives) parsed as SVG, never as HTML, then built
// anew from what a drawing is made of: the SVG elements and attributes listed here, text as
// text. Nothing else is copied: no script, no HTML, no style, no link, no address outside the
// drawing (only url(#id), a gradient or clip of its own), so a drawing can neither run code in
// the page nor make it fetch anything.
const SVG = "http://www.w3.org/2000/svg";
const ELEMENTS = new Set(["svg", "g", "title", "desc", "path", "polygon", "polyline", "ellipse",
  "circle", "rect", "line", "text", "tspan", "defs", "linearGradient", "radialGradient", "stop",
  "clipPath"]);
const ATTRIBUTES = new Set(["id", "class", "transform", "d", "points", "cx", "cy", "rx", "ry", "r",
  "x", "y", "x1", "y1", "x2", "y2", "dx", "dy", "width", "height", "viewBox",
  "preserveAspectRatio", "fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray",
  "stroke-opacity", "stroke-linecap", "stroke-linejoin", "opacity", "font-family", "font-size",
  "font-weight", "font-style", "text-anchor", "dominant-baseline", "offset", "stop-color",
  "stop-opacity", "gradientUnits", "gradientTransform", "clip-path", "clipPathUnits"]);
const MOST_ELEMENTS = 200_000; // a drawing dot lays out has at most about 100,000

function drawing(svgText) {
  const parsed = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const root = parsed.documentElement;
  if (root.namespaceURI !== SVG || root.localName !== "svg") {
    return line("(a drawing that is not SVG, not shown)", "error");
  }
  const budget = { left: MOST_ELEMENTS };
  const box = document.createElement("div");
  box.className = "drawing";
  box.append(cleanCopy(root, budget));
  if (budget.left < 0) box.append(line("(the drawing was cut: too many elements)", "note"));
  return box;
}

function cleanCopy(source, budget) {
  const copy = document.createElementNS(SVG, source.localName);
  for (const attribute of source.attributes) {
    const value = attribute.value;
    const ownUrlsOnly = !/url\s*\(/i.test(value) || /^url\(#[\w.-]+\)$/.test(value.trim());
    if (!attribute.namespaceURI && ATTRIBUTES.has(attribute.localName) && ownUrlsOnly) {
      copy.setAttribute(attribute.localName, value);
    }
  }
  for (const child of source.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) copy.append(child.data);
    else if (child.nodeType === Node.ELEMENT_NODE && child.namespaceURI === SVG &&
             ELEMENTS.has(child.localName) && child.localName !== "svg" && --budget.left >= 0) {
      copy.append(cleanCopy(child, budget));
    }
  }
  return copy;
}
