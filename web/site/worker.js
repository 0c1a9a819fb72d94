// The page's Python: Pyodide (CPython compiled to WebAssembly) in a Web Worker, so that a long
// run never freezes the page, and Stop can end it (the page ends this worker and starts another).
// Drawings are made by Graphviz compiled to WebAssembly (viz-js), handed to microprop as its SVG
// renderer. Everything is loaded from this site: no other address is ever asked for.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance } from "./viz/viz.js";

const here = (path) => new URL(path, import.meta.url).href;

async function fetchOk(path) {
  const response = await fetch(here(path));
  if (!response.ok) throw new Error(`${path}: ${response.status} ${response.statusText}`);
  return response;
}

async function start() {
  const began = performance.now();
  postMessage({ type: "status", text: "Loading Python and Graphviz (WebAssembly)…" });
  const [pyodide, viz, manifest] = await Promise.all([
    loadPyodide({ indexURL: here("./pyodide/") }),
    instance(),
    fetchOk("./site.json").then((r) => r.json()),
  ]);
  postMessage({ type: "status", text: "Installing microprop…" });
  for (const wheel of manifest.wheels) {
    const bytes = await (await fetchOk(`./wheels/${wheel}`)).arrayBuffer();
    pyodide.unpackArchive(bytes, "wheel");
  }
  pyodide.FS.mkdirTree("/home/pyodide/site");
  for (const name of manifest.python) {
    const text = await (await fetchOk(`./python/${name}`)).text();
    pyodide.FS.writeFile(`/home/pyodide/site/${name}`, text);
  }
  // DOT text in, SVG text out: what microprop.viz.set_svg_renderer expects.
  self.renderDot = (dot) => viz.renderString(dot, { format: "svg" });
  pyodide.runPython(`
import sys
sys.path.insert(0, "/home/pyodide/site")
import js
from microprop.viz import set_svg_renderer
set_svg_renderer(js.renderDot)
import site_calls
`);
  // Kept now: once the runtime has failed, even reading pyodide.ffi throws.
  self.PythonError = pyodide.ffi.PythonError;
  const call = pyodide.globals.get("site_calls").call;
  const version = pyodide.runPython("import sys, microprop; " +
    "f'Python {sys.version.split()[0]}, microprop {microprop.__version__}'");
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  postMessage({ type: "ready", text: `${version}, ready in ${seconds} s`, seconds: +seconds });
  return call;
}

const ready = start().catch((error) => {
  postMessage({ type: "broken", text: `Python could not start: ${error.message || error}` });
  throw error;
});

self.onmessage = async (event) => {
  const { id, name, args } = event.data;
  let call;
  try {
    call = await ready;
  } catch (error) {
    postMessage({ id, answer: { refused: `Python could not start: ${error.message || error}` } });
    return;
  }
  try {
    postMessage({ id, answer: JSON.parse(call(name, JSON.stringify(args))) });
  } catch (error) {
    const said = String(error.message || error);
    if (error instanceof self.PythonError) {
      // A Python error that site_calls did not turn into a refusal: shown, and the page goes on.
      postMessage({ id, answer: { refused: said } });
      return;
    }
    // Not Python's own error but the runtime's (the JavaScript stack overflowed under a deep
    // recursion, say): Pyodide is broken from here on, so the page starts a new one.
    postMessage({ id, answer: { refused: `Python crashed: ${said}. A new Python is starting; ` +
      "its variables are new, so run the cells above again." } });
    postMessage({ type: "fatal", text: `Python crashed (${said}).` });
  }
};
