// Recommendations: pick a customer, see what they bought and what the model suggests (with
// the reason), try the shop's rules live, and look at similar and bought-together products.

const K = 10;

export async function render(root, ui) {
  const state = { customer: hashParam("customer") || "", product: hashParam("product") || "" };
  const suggestions = await suggestedCustomers(ui);
  if (!state.customer && suggestions.length) state.customer = suggestions[0].customer_id;

  const controls = ruleControls(ui, () => loadRecommendations());
  const customerInput = ui.el("input", {
    id: "customer-input",
    "data-testid": "customer-input",
    list: "customer-suggestions",
    value: state.customer,
    placeholder: "customer id",
    autocomplete: "off",
    onchange: (event) => chooseCustomer(event.target.value.trim()),
  });
  const datalist = ui.el(
    "datalist",
    { id: "customer-suggestions" },
    suggestions.map((c) => ui.el("option", { value: c.customer_id }, `${c.orders} orders`)),
  );
  const chips = ui.el(
    "div",
    { class: "controls", "data-testid": "customer-suggestions" },
    suggestions.slice(0, 6).map((c) =>
      ui.el(
        "button",
        { type: "button", class: "secondary", onclick: () => chooseCustomer(c.customer_id) },
        c.customer_id,
      ),
    ),
  );

  const recommendations = ui.el("div", { "data-testid": "recommendations", id: "recommendations" });
  const history = ui.el("div", { "data-testid": "history", id: "history" });
  const productInput = ui.el("input", {
    "data-testid": "product-input",
    value: state.product,
    placeholder: "product id",
    onchange: (event) => chooseProduct(event.target.value.trim()),
  });
  const similar = ui.el("div", { "data-testid": "similar", id: "similar" });
  const together = ui.el("div", { "data-testid": "bought-together", id: "bought-together" });

  const pick = ui.card(
    "Customer and rules",
    ui.el("div", { class: "controls" }, ui.el("label", {}, "Customer", customerInput), datalist),
    suggestions.length
      ? ui.el("p", { class: "muted" }, "Customers with the most orders:")
      : ui.notice(
          ui.signedIn()
            ? "No customer has orders yet; type any id to see the cold-start answer."
            : "Sign in (top right) to see the busiest customers and their purchase history; " +
                "recommendations work for any customer id.",
        ),
    chips,
    controls.node,
  );
  pick.classList.add("wide");
  const productCard = ui.card(
    "Similar items and bought together",
    ui.el("div", { class: "controls" }, ui.el("label", {}, "Product", productInput)),
    ui.el("p", { class: "muted" }, "Pick a product in the lists above, or type its id."),
    ui.el("div", { class: "grid" }, ui.el("div", {}, ui.el("h3", {}, "Similar"), similar), ui.el("div", {}, ui.el("h3", {}, "Bought together"), together)),
  );
  productCard.classList.add("wide");
  // Side by side on a laptop, one under the other on a phone.
  const pair = ui.el(
    "div",
    { class: "grid", style: "grid-column:1/-1" },
    ui.card("Recommendations", recommendations),
    ui.card("Purchase history", history),
  );
  root.append(pick, pair, productCard);

  let recommendationRun = 0;
  async function loadRecommendations() {
    const run = ++recommendationRun;
    const path = `/recommendations/${encodeURIComponent(state.customer || "new-visitor")}`;
    const shown = await attempt(ui, () => ui.api(`${path}?${controls.query(K)}`));
    if (run !== recommendationRun) return;
    if (shown.error) return recommendations.replaceChildren(shown.error);
    const body = shown.value;
    const strategy = ui.el("p", { class: "muted", "data-testid": "strategy" }, "Strategy: ",
      ui.el("span", { class: "badge" }, body.strategy),
      body.strategy === "trending" ? " (no history: what is selling now)" : "");
    recommendations.replaceChildren(
      strategy,
      body.items.length
        ? scroll(ui, itemTable(ui, body.items, chooseProduct))
        : ui.notice("No product passes these rules; loosen them."),
    );
    if (body.items.length) state.firstItem = body.items[0].product_id;
  }

  async function loadHistory() {
    if (!ui.signedIn()) {
      history.replaceChildren(ui.notice("Sign in (top right) to see what this customer bought."));
      return;
    }
    if (!state.customer) return history.replaceChildren(ui.notice("Pick a customer."));
    const shown = await attempt(ui, () =>
      ui.api(`/customers/${encodeURIComponent(state.customer)}/history?limit=20`),
    );
    if (shown.error) return history.replaceChildren(shown.error);
    const body = shown.value;
    if (!body.items.length) return history.replaceChildren(ui.notice("No purchases yet."));
    const rows = body.items.map((item) => ({ ...item, title: item.title || item.product_id }));
    history.replaceChildren(
      ui.el("p", { class: "muted" }, `${ui.number(body.products)} products bought; the latest ${rows.length}:`),
      scroll(
        ui,
        ui.table(rows, [
          ["title", "Product", (v, row) => productLink(ui, v, row.product_id, chooseProduct)],
          ["times", "Orders", (v) => ui.number(v)],
          ["last_bought_at", "Last bought", (v) => String(v).slice(0, 10)],
        ]),
      ),
    );
  }

  async function loadProduct() {
    productInput.value = state.product;
    const product = state.product;
    const lists = [[similar, "similar"], [together, "bought-together"]];
    await Promise.all(lists.map(async ([box, kind]) => {
      if (!product) return box.replaceChildren(ui.notice("Pick a product."));
      const path = `/products/${encodeURIComponent(product)}/${kind}?k=${K}&in_stock=false`;
      const shown = await attempt(ui, () => ui.api(path));
      if (product !== state.product) return;
      if (shown.error) return box.replaceChildren(shown.error);
      const items = shown.value.items;
      box.replaceChildren(
        items.length ? ui.el("p", { class: "muted" }, `${items[0].reason[0].toUpperCase()}${items[0].reason.slice(1)}:`) : null,
        items.length
          ? scroll(ui, itemTable(ui, items, chooseProduct, false))
          : ui.notice(kind === "similar" ? "No similar products known." : "Never bought with another product."),
      );
    }));
  }

  function chooseCustomer(id) {
    state.customer = id;
    customerInput.value = id;
    loadRecommendations();
    loadHistory();
  }

  function chooseProduct(id) {
    if (!id) return;
    state.product = id;
    loadProduct();
  }

  await Promise.all([loadRecommendations(), loadHistory()]);
  if (!state.product && state.firstItem) state.product = state.firstItem;
  await loadProduct();
}

async function suggestedCustomers(ui) {
  if (!ui.signedIn()) return [];
  try {
    return (await ui.api("/customers?limit=12")).customers;
  } catch {
    return [];
  }
}

/** The shop's rules as inputs; `query(k)` gives them as the API's query string. */
function ruleControls(ui, changed) {
  const field = (label, attrs) => {
    const input = ui.el("input", { ...attrs, onchange: changed });
    return [input, ui.el("label", {}, label, input)];
  };
  const check = (label, name, checked) => {
    const input = ui.el("input", { type: "checkbox", "data-testid": `rule-${name}`, checked, onchange: changed });
    return [input, ui.el("label", { style: "flex-direction:row;align-items:center;gap:0.3rem" }, input, label)];
  };
  const [category, categoryLabel] = field("Category", { "data-testid": "rule-category", placeholder: "e.g. shoes", size: 12 });
  const [brand, brandLabel] = field("Brand", { "data-testid": "rule-brand", size: 10 });
  const [minPrice, minLabel] = field("Min price", { "data-testid": "rule-min-price", type: "number", min: 0, step: "any", style: "width:6em" });
  const [maxPrice, maxLabel] = field("Max price", { "data-testid": "rule-max-price", type: "number", min: 0, step: "any", style: "width:6em" });
  const [perCategory, perLabel] = field("Max per category", { "data-testid": "rule-max-per-category", type: "number", min: 1, step: 1, style: "width:5em" });
  const boost = ui.el(
    "select",
    { "data-testid": "rule-boost", onchange: changed },
    ["none", "margin", "overstock"].map((v) => ui.el("option", { value: v }, v)),
  );
  const [inStock, inStockLabel] = check("In stock only", "in-stock", true);
  const [exclude, excludeLabel] = check("Leave out what they bought", "exclude-purchased", true);
  const node = ui.el(
    "div",
    { class: "controls", "data-testid": "rules" },
    categoryLabel, brandLabel, minLabel, maxLabel, perLabel,
    ui.el("label", {}, "Boost", boost),
    inStockLabel, excludeLabel,
  );
  function query(k) {
    const params = new URLSearchParams({ k: String(k) });
    for (const value of category.value.split(",").map((s) => s.trim()).filter(Boolean)) params.append("category", value);
    for (const value of brand.value.split(",").map((s) => s.trim()).filter(Boolean)) params.append("brand", value);
    if (minPrice.value !== "") params.set("min_price", minPrice.value);
    if (maxPrice.value !== "") params.set("max_price", maxPrice.value);
    if (perCategory.value !== "") params.set("max_per_category", perCategory.value);
    params.set("boost", boost.value);
    params.set("in_stock", String(inStock.checked));
    params.set("exclude_purchased", String(exclude.checked));
    return params.toString();
  }
  return { node, query };
}

function itemTable(ui, items, choose, withReason = true) {
  const columns = [
    ["title", "Product", (v, row) => productLink(ui, v, row.product_id, choose)],
    ["score", "Score", (v) => ui.number(v, 3)],
  ];
  if (withReason) columns.push(["reason", "Why"]);
  return ui.table(items, columns);
}

function productLink(ui, title, id, choose) {
  return ui.el(
    "a",
    { href: "#recommend", title: id, "data-product": id, onclick: (event) => { event.preventDefault(); choose(id); } },
    title,
  );
}

function scroll(ui, node) {
  return ui.el("div", { class: "table-scroll" }, node);
}

/** Run an API call; an error becomes a notice instead of breaking the page. */
async function attempt(ui, call) {
  try {
    return { value: await call() };
  } catch (error) {
    return { error: ui.notice(`${error.message}.`, "error") };
  }
}

function hashParam(name) {
  const query = location.hash.split("?")[1] || "";
  return new URLSearchParams(query).get(name);
}
