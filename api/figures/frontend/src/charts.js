// The management figures' charts. Data comes from the page's <script type="application/json"
// id="noegletal-data"> (never executed; the CSP allows no inline script). Each <canvas
// data-chart="name"> gets its chart; the CSV link beside it downloads the same rows.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

const COLOURS = ["#0059b3", "#e6a400", "#358000", "#b30000", "#6b3fa0", "#00838f", "#5e5e5e"];
const kr = new Intl.NumberFormat("da-DK", { maximumFractionDigits: 0 });

function money(axisTitle) {
  return {
    y: {
      beginAtZero: true,
      title: { display: true, text: axisTitle },
      ticks: { callback: (value) => kr.format(value) },
    },
  };
}

function series(label, values, index, extra = {}) {
  const colour = COLOURS[index % COLOURS.length];
  return { label, data: values, borderColor: colour, backgroundColor: colour, ...extra };
}

function spendPerMonth(now, baseline) {
  const months = now.spend_per_month.map((r) => r.month);
  const sets = [series("Forbrug", now.spend_per_month.map((r) => Number(r.amount)), 0)];
  if (baseline && baseline.spend_per_month.length) {
    const rows = baseline.spend_per_month.map((r) => Number(r.amount));
    const mean = rows.reduce((a, b) => a + b, 0) / rows.length;
    sets.push(series("Gennemsnit pr. måned ved baseline", months.map(() => mean), 1, { borderDash: [6, 4], pointRadius: 0 }));
  }
  return { type: "line", data: { labels: months, datasets: sets }, options: { scales: money("kr.") } };
}

function spendPerTeam(now) {
  const months = [...new Set(now.spend_per_team_month.map((r) => r.month))];
  const teams = [...new Set(now.spend_per_team_month.map((r) => r.team))];
  const sets = teams.map((team, i) =>
    series(
      team,
      months.map((m) => {
        const row = now.spend_per_team_month.find((r) => r.team === team && r.month === m);
        return row ? Number(row.amount) : 0;
      }),
      i,
    ),
  );
  return { type: "line", data: { labels: months, datasets: sets }, options: { scales: money("kr.") } };
}

function byKey(rows, key) {
  return Object.fromEntries(rows.map((r) => [r[key], r]));
}

function perChild(now, baseline) {
  const names = now.spend_per_child.map((r) => r.name);
  const sets = [series("Nu", now.spend_per_child.map((r) => Number(r.per_child)), 0)];
  if (baseline) {
    const before = byKey(baseline.spend_per_child, "name");
    sets.push(series("Baseline", names.map((n) => (before[n] ? Number(before[n].per_child) : null)), 1));
  }
  return { type: "bar", data: { labels: names, datasets: sets }, options: { scales: money("kr. pr. barn") } };
}

function caseload(now, baseline) {
  const teams = now.caseload.map((r) => r.team);
  const sets = [series("Åbne sager nu", now.caseload.map((r) => r.open_cases), 0)];
  if (baseline) {
    const before = byKey(baseline.caseload, "team");
    sets.push(series("Åbne sager ved baseline", teams.map((t) => (before[t] ? before[t].open_cases : null)), 1));
  }
  return { type: "bar", data: { labels: teams, datasets: sets }, options: { scales: { y: { beginAtZero: true } } } };
}

function deadlines(now, baseline) {
  const labels = now.compliance.map((r) => r.measure);
  const sets = [series("Andel overholdt nu (%)", now.compliance.map((r) => r.percent), 0)];
  if (baseline) {
    const before = byKey(baseline.compliance, "key");
    sets.push(series("Ved baseline (%)", now.compliance.map((r) => (before[r.key] ? before[r.key].percent : null)), 1));
  }
  return { type: "bar", data: { labels, datasets: sets }, options: { scales: { y: { beginAtZero: true, max: 100 } } } };
}

const CHARTS = {
  "forbrug-pr-maaned": spendPerMonth,
  "forbrug-pr-team": spendPerTeam,
  "forbrug-pr-barn": perChild,
  sagsbelastning: caseload,
  frister: deadlines,
};

function start() {
  const source = document.getElementById("noegletal-data");
  if (!source) return;
  const { now, baseline } = JSON.parse(source.textContent);
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const make = CHARTS[canvas.dataset.chart];
    if (!make) continue;
    const config = make(now, baseline);
    config.options = { ...config.options, animation: false, responsive: true, maintainAspectRatio: false };
    new Chart(canvas, config);
    canvas.dataset.drawn = "true";
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
