// The training view: the settings go to microprop's Python (in a worker), which trains a few
// epochs at a time and answers with numbers; this script only draws them.
import { Python, Stopped, stepperFrame } from "./python.js";

const $ = (id) => document.getElementById(id);
const COLORS = [[240, 138, 36], [31, 119, 180], [44, 160, 44]]; // orange, blue, green
const EPOCHS_PER_DRAW = 5;

let state = null; // the last answer of Python: what is drawn
let training = false; // asked to go on training
let looping = false; // the training loop is running (until the epochs under way are drawn)
let fresh = true; // settings changed since the network was made: the next Train makes a new one

const python = new Python((type, text) => {
  $("status").textContent = text;
  $("status").dataset.state = type;
  const ready = type === "ready";
  $("train").disabled = $("reset").disabled = !ready;
  if (ready) reset();
});

function settings() {
  const batch = $("batch").value;
  return {
    dataset: $("dataset").value,
    hidden: $("hidden").value,
    activation: $("activation").value,
    lr: Number($("lr").value),
    batch_size: batch === "all" ? null : Number(batch),
  };
}

async function ask(name, args) {
  try {
    const answer = await python.call(name, args);
    if (answer.refused) {
      $("message").textContent = answer.refused;
      return null;
    }
    $("message").textContent = "";
    return answer.ok;
  } catch (error) {
    if (error instanceof Stopped) return null;
    throw error;
  }
}

async function newNetwork() {
  const answer = await ask("start", settings());
  fresh = answer === null;
  if (answer) draw(answer);
}

async function reset() {
  stopTraining();
  await newNetwork();
}

async function train() {
  if (looping) return stopTraining();
  training = looping = true; // at once: a second click while the network is made pauses
  $("train").textContent = "❚❚ Pause";
  if (fresh) await newNetwork(); // refused: the message says why, and nothing trains
  while (training && !fresh) {
    const answer = await ask("train", { epochs: EPOCHS_PER_DRAW });
    if (answer === null) break;
    draw(answer);
    await new Promise((resolve) => requestAnimationFrame(resolve)); // let the page paint
  }
  training = looping = false;
  $("train").textContent = "▶ Train";
  $("train").disabled = !python.ready;
}

// The epochs under way finish and are drawn; then the loop ends and the button says so.
function stopTraining() {
  if (!looping) return;
  training = false;
  $("train").textContent = "pausing…";
  $("train").disabled = true;
}

function draw(next) {
  state = next;
  $("epoch").textContent = state.epoch;
  $("loss").textContent = state.loss.toFixed(4);
  $("accuracy").textContent = `${(100 * state.accuracy).toFixed(1)}%`;
  $("parameters").textContent = state.parameters;
  $("about").textContent = state.about;
  drawPlane();
  drawCurve();
}

function sharp(canvas) {
  const scale = window.devicePixelRatio || 1;
  const { width, height } = canvas.getBoundingClientRect();
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext("2d");
  context.setTransform(scale, 0, 0, scale, 0, 0);
  return [context, width, height];
}

function pixelOf(x, y, width, height) {
  const [[x0, x1], [y0, y1]] = state.box;
  return [((x - x0) / (x1 - x0)) * width, ((y1 - y) / (y1 - y0)) * height];
}

// The regions: one pixel per lattice point on a small canvas, stretched smoothly over the plane,
// each the colour of its class, paler where the network is less sure.
function regionsImage() {
  const n = Math.round(Math.sqrt(state.regions.length));
  const small = document.createElement("canvas");
  small.width = small.height = n;
  const g = small.getContext("2d");
  const image = g.createImageData(n, n);
  const floor = 1 / Math.max(state.classes, 2);
  state.regions.forEach(([cls, confidence], k) => {
    const sure = Math.max(0, (confidence - floor) / (1 - floor));
    const mix = 0.12 + 0.5 * sure; // how much of the class colour, over white
    COLORS[cls].forEach((c, channel) => { image.data[4 * k + channel] = 255 - mix * (255 - c); });
    image.data[4 * k + 3] = 255;
  });
  g.putImageData(image, 0, 0);
  return small;
}

function drawPlane() {
  const [g, width, height] = sharp($("regions"));
  g.imageSmoothingEnabled = true;
  g.imageSmoothingQuality = "high";
  g.drawImage(regionsImage(), 0, 0, width, height);
  for (const [x, y, cls] of state.points) {
    const [px, py] = pixelOf(x, y, width, height);
    g.beginPath();
    g.arc(px, py, 5.5, 0, 2 * Math.PI);
    g.fillStyle = `rgb(${COLORS[cls].join(",")})`;
    g.fill();
    g.lineWidth = 1.5;
    g.strokeStyle = "white";
    g.stroke();
  }
}

function drawCurve() {
  const [g, width, height] = sharp($("curve"));
  const losses = state.losses;
  const pad = 34;
  g.font = "14px system-ui, sans-serif";
  g.fillStyle = "#5a5a5a";
  g.fillText("loss", 4, 16);
  g.fillText(`epoch ${state.epoch}`, width - 80, height - 6);
  if (losses.length === 0) return;
  const top = Math.max(...losses), bottom = Math.min(0, ...losses);
  g.fillText(top.toFixed(2), 4, pad);
  g.beginPath();
  losses.forEach((loss, k) => {
    const x = pad + ((width - pad - 8) * k) / Math.max(losses.length - 1, 1);
    const y = pad + (height - 2 * pad) * (1 - (loss - bottom) / (top - bottom || 1));
    k ? g.lineTo(x, y) : g.moveTo(x, y);
  });
  g.strokeStyle = "#1f5fbf";
  g.lineWidth = 2.5;
  g.stroke();
}

// A click on a point: that sample's backward pass, stepped through over the whole window.
async function pick(event) {
  if (!state || fresh) return; // the settings changed: these points may be gone
  const rect = $("regions").getBoundingClientRect();
  const [cx, cy] = [event.clientX - rect.left, event.clientY - rect.top];
  let best = -1, nearest = 12 * 12; // within 12 px of a point's centre
  state.points.forEach(([x, y], k) => {
    const [px, py] = pixelOf(x, y, rect.width, rect.height);
    const d = (px - cx) ** 2 + (py - cy) ** 2;
    if (d < nearest) [best, nearest] = [k, d];
  });
  if (best >= 0) await openSample(best);
}

async function openSample(index) {
  if (!state || fresh) return;
  stopTraining();
  const html = await ask("sample", { index });
  if (html === null) return;
  const [x, y, cls] = state.points[index];
  $("sample-title").textContent = `Sample ${index} at (${x.toFixed(2)}, ${y.toFixed(2)}), class ` +
    `${cls}: backward() through its cost, the network as at epoch ${state.epoch}`;
  const frame = stepperFrame(html, `sample ${index}'s backward pass`);
  $("sample-frame").replaceChildren(frame);
  $("sample-view").hidden = false;
  frame.addEventListener("load", () => frame.focus());
}

function closeSample() {
  $("sample-view").hidden = true;
  $("sample-frame").replaceChildren();
  $("regions").focus();
}

$("train").addEventListener("click", train);
$("reset").addEventListener("click", reset);
$("close").addEventListener("click", closeSample);
$("regions").addEventListener("click", pick);
$("settings").addEventListener("change", (event) => {
  if (event.target.id === "sample") return; // not a setting of the network
  stopTraining();
  fresh = true;
  reset();
});
$("step").addEventListener("click", () => {
  const k = Number($("sample").value);
  if (state && Number.isInteger(k) && k >= 0 && k < state.points.length) openSample(k);
  else $("message").textContent = `sample: a number from 0 to ${state ? state.points.length - 1 : 0}`;
});
$("settings").addEventListener("submit", (event) => event.preventDefault());
document.addEventListener("keydown", (event) => {
  if (!$("sample-view").hidden) {
    if (event.key === "Escape") closeSample();
    else if (event.target === document.body || event.target.closest(".overlay-bar")) {
      // The keys went to this page (its bar was clicked): pass them to the stepper's page.
      const frame = $("sample-frame").querySelector("iframe");
      if (frame) frame.contentWindow.postMessage(`key:${event.key}`, "*");
    }
    return;
  }
  // A focused control keeps its own keys (Space on the Train button presses it once).
  if (event.target.matches("input, select, textarea, button")) return;
  if (event.key === " ") { event.preventDefault(); if (!$("train").disabled) train(); }
  if (event.key === "r" || event.key === "R") { if (!$("reset").disabled) reset(); }
});
// The stepper's page, which has the keys while it is shown, passes Escape on as a message.
window.addEventListener("message", (event) => {
  const frame = $("sample-frame").querySelector("iframe");
  if (frame && event.source === frame.contentWindow && event.data === "escape") closeSample();
});
window.addEventListener("resize", () => state && (drawPlane(), drawCurve()));

// For tests and the curious: the state drawn, and where sample k is on the plane.
window.micropropTraining = {
  get state() { return state; },
  pixelOf(k) {
    const rect = $("regions").getBoundingClientRect();
    const [px, py] = pixelOf(state.points[k][0], state.points[k][1], rect.width, rect.height);
    return [rect.left + px, rect.top + py];
  },
  openSample,
};
