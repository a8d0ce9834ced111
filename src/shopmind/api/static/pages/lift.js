// Sales lift: per engine, what it is expected to add on this shop's data, with its interval.

export async function render(root, ui) {
  if (!ui.signedIn()) {
    root.append(signIn(ui));
    return;
  }
  let report;
  try {
    report = await ui.api("/dashboard/lift");
  } catch (error) {
    if (error.status !== 401) throw error;
    root.append(signIn(ui, "That API key was not accepted (it needs the write scope)."));
    return;
  }
  const level = `${Math.round(report.level * 100)}%`;
  root.append(intro(ui, report, level), chartCard(ui, report.engines, level), tableCard(ui, report.engines, level));
}

function signIn(ui, reason) {
  const box = ui.card(
    "Sign in to see the sales lift report",
    ui.notice(
      `${reason ? reason + " " : ""}The report shows the shop's business figures: sign in with an ` +
        "API key (the field at the top right).",
      reason ? "error" : "info",
    ),
  );
  box.classList.add("wide");
  box.dataset.testid = "lift-signin";
  return box;
}

function intro(ui, report, level) {
  const offer = report.offer;
  const box = ui.card(
    "What each engine is expected to add",
    ui.el(
      "p",
      {},
      `Estimates on this shop's own data, each with a ${level} interval: where the interval stays above zero, `,
      "switching the engine on is expected to pay; where it spans zero, the data cannot tell yet.",
    ),
    ui.el(
      "p",
      { class: "muted" },
      `Models of version ${report.model_version ?? "none"}. The campaign is planned for a ${Math.round(offer.discount * 100)}% coupon, `,
      `${ui.money(offer.cost_per_contact)} per contact, ${Math.round(offer.redemption * 100)}% redemption, ${Math.round(offer.margin * 100)}% margin.`,
    ),
  );
  box.classList.add("wide");
  return box;
}

function isMoney(row) {
  return row.estimate !== null && row.unit && row.unit.startsWith("money");
}

function chartCard(ui, rows, level) {
  const box = ui.card(`Expected profit, with ${level} intervals`);
  box.classList.add("wide");
  box.id = "lift-chart";
  const money = rows.filter(isMoney);
  if (!money.length) {
    box.append(ui.notice("No engine records a money estimate yet; see the table below."));
    return box;
  }
  const labels = money.map((r) => `${r.engine} (${r.unit.replace("money ", "")})`);
  ui.chart(
    box,
    {
      type: "bar",
      data: {
        labels,
        datasets: [
          {
            label: `${level} interval`,
            data: money.map((r) => [r.low, r.high]),
            backgroundColor: "rgba(37, 99, 235, 0.25)",
            borderColor: "#2563eb",
            borderWidth: 1,
            barPercentage: 0.6,
            grouped: false,
          },
          {
            type: "line",
            label: "Estimate",
            data: money.map((r, i) => ({ x: r.estimate, y: labels[i] })),
            showLine: false,
            pointStyle: "rectRot",
            pointRadius: 7,
            pointHoverRadius: 8,
            backgroundColor: "#1d2433",
            borderColor: "#1d2433",
          },
        ],
      },
      options: {
        indexAxis: "y",
        scales: { x: { title: { display: true, text: "money" } } },
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) => {
                const row = money[item.dataIndex];
                return `${ui.money(row.estimate)} (${ui.money(row.low)} to ${ui.money(row.high)})`;
              },
            },
          },
        },
      },
    },
    { height: Math.max(140, money.length * 60), label: "Expected profit per engine with intervals" },
  );
  box.append(ui.el("p", { class: "muted" }, "Bars span the interval; the dark diamond marks the estimate. Units differ per row (per campaign, per 30 days)."));
  return box;
}

function value(ui, row, x) {
  if (x === null || x === undefined) return "–";
  if (row.unit && row.unit.startsWith("%")) return `${x > 0 ? "+" : ""}${ui.number(x, 1)}%`;
  return row.unit && row.unit.startsWith("share") ? `${ui.number(x * 100, 1)}%` : ui.money(x);
}

function interval(ui, row) {
  if (row.estimate === null) return "–";
  if (row.low === null || row.high === null) return ui.el("span", { class: "muted" }, "none recorded");
  return `${value(ui, row, row.low)} to ${value(ui, row, row.high)}`;
}

function tableCard(ui, rows, level) {
  const body = rows.map((row) =>
    ui.el(
      "tr",
      { "data-engine": row.engine },
      ui.el("td", {}, ui.el("strong", {}, row.engine), row.trained ? null : ui.el("div", { class: "badge" }, "not trained")),
      ui.el(
        "td",
        {},
        row.adds,
        ui.el("div", { class: "muted", "data-testid": `lift-basis-${row.engine}` }, row.basis),
      ),
      ui.el("td", { "data-testid": `lift-estimate-${row.engine}` }, value(ui, row, row.estimate)),
      ui.el("td", {}, interval(ui, row)),
      ui.el("td", {}, row.unit ?? "–"),
    ),
  );
  const head = ui.el("tr", {}, ["Engine", "What it adds", "Estimate", `${level} interval`, "Unit"].map((h) => ui.el("th", {}, h)));
  const table = ui.el("table", { "data-testid": "lift-table" }, ui.el("thead", {}, head), ui.el("tbody", {}, body));
  const box = ui.card("Per engine", ui.el("div", { class: "table-scroll" }, table));
  box.classList.add("wide");
  box.id = "lift-table-card";
  return box;
}
