// The instance page's diagram: bpmn-js NavigatedViewer with overlays for the active tokens
// (a count per element), the path taken (elements done, and the flows between visited
// elements) and open incidents. The data comes from the page itself (a JSON script element),
// so the bundle makes no requests of its own.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "./viewer.css";

function overlay(overlays, elementId, className, text, title) {
  const badge = document.createElement("span");
  badge.className = className;
  badge.textContent = text;
  badge.title = title;
  overlays.add(elementId, { position: { bottom: 10, right: 10 }, html: badge });
}

async function show(container, data) {
  const viewer = new NavigatedViewer({ container });
  await viewer.importXML(data.xml);
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const overlays = viewer.get("overlays");
  canvas.zoom("fit-viewport");

  const visited = new Set([...data.completed, ...Object.keys(data.active)]);
  for (const id of data.completed) {
    if (registry.get(id)) canvas.addMarker(id, "bs-done");
  }
  for (const flow of registry.filter((e) => e.type === "bpmn:SequenceFlow")) {
    if (visited.has(flow.source?.id) && visited.has(flow.target?.id) && data.completed.includes(flow.source.id)) {
      canvas.addMarker(flow.id, "bs-taken");
    }
  }
  for (const [id, count] of Object.entries(data.active)) {
    if (!registry.get(id)) continue;
    canvas.addMarker(id, "bs-active");
    overlay(overlays, id, "bs-token", String(count), `${count} aktiv(e)`);
  }
  for (const [id, count] of Object.entries(data.incidents)) {
    if (!registry.get(id)) continue;
    canvas.addMarker(id, "bs-incident");
    overlay(overlays, id, "bs-incident-badge", "!", `${count} åben(ne) hændelse(r)`);
  }
  container.dataset.ready = "true";
}

const container = document.getElementById("diagram");
const source = document.getElementById("diagram-data");
if (container && source) {
  show(container, JSON.parse(source.textContent)).catch((error) => {
    container.dataset.ready = "error";
    container.textContent = "Diagrammet kunne ikke vises: " + error.message;
  });
}
