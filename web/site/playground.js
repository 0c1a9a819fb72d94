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

// SVG text made by Graphviz, put in the page as an element: parsed as SVG (never as HTML), and
// anything that could run (scripts, event attributes, foreign HTML, links) taken out first.
function drawing(svgText) {
  const parsed = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const svg = parsed.documentElement;
  if (svg.nodeName !== "svg") return line("(a drawing that is not SVG, not shown)", "error");
  for (const element of svg.querySelectorAll("script, foreignObject, a")) element.replaceWith(...element.childNodes);
  for (const element of [svg, ...svg.querySelectorAll("*")]) {
    for (const attribute of [...element.attributes]) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on") || name.endsWith("href")) element.removeAttribute(attribute.name);
    }
  }
  const box = document.createElement("div");
  box.className = "drawing";
  box.append(document.importNode(svg, true));
  return box;
}
