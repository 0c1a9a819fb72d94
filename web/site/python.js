// The page's side of the worker: call(name, args) returns a promise of Python's answer; stop()
// ends the worker (a run that never ends, say) and starts a new one, whose namespace is new.
export class Python {
  constructor(onStatus) {
    this.onStatus = onStatus;
    this.waiting = new Map();
    this.next = 0;
    this.start();
  }

  start() {
    this.ready = false;
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.worker.onmessage = (event) => this.heard(event.data);
    this.worker.onerror = (event) => {
      this.onStatus("broken", `Python's worker failed: ${event.message || "see the console"}`);
    };
  }

  heard(message) {
    if (message.type === "fatal") {
      this.restart(`${message.text} Starting a new Python (its variables are new)…`);
      return;
    }
    if (message.type) {
      this.ready = message.type === "ready" ? true : this.ready;
      this.onStatus(message.type, message.text, message);
      return;
    }
    const waiting = this.waiting.get(message.id);
    this.waiting.delete(message.id);
    if (waiting) waiting.resolve(message.answer);
  }

  call(name, args = {}) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, name, args });
    });
  }

  stop() {
    this.restart("Stopped. Starting a new Python (its variables are new)…");
  }

  restart(text) {
    this.worker.terminate();
    for (const { reject } of this.waiting.values()) reject(new Stopped());
    this.waiting.clear();
    this.onStatus("restarting", text);
    this.start();
  }
}

export class Stopped extends Error {
  constructor() {
    super("stopped");
  }
}

// A stepping page (what Stepper.html() returns) in a frame: its own script moves it, with the
// arrow keys once it has the focus. Sandboxed: the page's script runs, and reaches nothing else.
export function stepperFrame(html, title) {
  const frame = document.createElement("iframe");
  frame.className = "stepper";
  frame.title = title;
  frame.setAttribute("sandbox", "allow-scripts");
  frame.srcdoc = html;
  return frame;
}

// The footer of every page: what the site runs on, at the versions it was built with.
function credits(npm) {
  const footer = document.getElementById("credits");
  footer.innerHTML = 'Runs on <a href="https://pyodide.org/">Pyodide</a> (MPL 2.0) and ' +
    '<a href="https://github.com/mdaines/viz-js">viz-js</a> (MIT; Graphviz, EPL 1.0), served ' +
    "from this site. microprop is MIT-licensed.";
  footer.querySelector("a").after(` ${npm.pyodide}`);
  footer.querySelectorAll("a")[1].after(` ${npm["@viz-js/viz"]}`);
}

// A site built with --notebooks holds them in JupyterLite (site.json names them): every page's
// nav links there. The link is added here, from the manifest, so that the pages' nav stays
// written once and a site without notebooks shows no link to nothing.
function notebooksLink(notebooks) {
  const nav = document.querySelector("nav");
  if (!notebooks || !notebooks.length || !nav) return;
  const link = document.createElement("a");
  link.href = "notebooks/lab/index.html"; // from the page, which sits at the site's root
  link.textContent = "Notebooks";
  link.title = `${notebooks.length} of microprop's notebooks, run in your browser by JupyterLite`;
  nav.append(" ", link);
}

async function fromManifest() {
  const { npm, notebooks } = await (await fetch(new URL("./site.json", import.meta.url))).json();
  credits(npm);
  notebooksLink(notebooks);
}
fromManifest();
