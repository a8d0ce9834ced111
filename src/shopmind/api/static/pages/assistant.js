// The assistant: the chat widget as customers see it (the same chat.js a shop embeds),
// how to embed it, and the queue of conversations handed to a person.

/** Load /static/chat.js once, without its floating bubble; resolves to window.ShopmindChat. */
function loadWidget() {
  if (window.ShopmindChat) return Promise.resolve(window.ShopmindChat);
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "/static/chat.js";
    script.dataset.bubble = "off";
    script.onload = () => resolve(window.ShopmindChat);
    script.onerror = () => reject(new Error("the chat widget (/static/chat.js) did not load"));
    document.head.append(script);
  });
}

function snippet() {
  return `<script src="${location.origin}/static/chat.js" defer></script>`;
}

function embedCard(ui) {
  const code = ui.el("code", { "data-testid": "embed-snippet" }, snippet());
  const status = ui.el("span", { class: "muted" });
  const copy = ui.el(
    "button",
    {
      type: "button",
      class: "secondary",
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(snippet());
          status.textContent = "copied";
        } catch {
          window.getSelection().selectAllChildren(code); // no clipboard (plain http): select it
          status.textContent = "selected: press Ctrl+C";
        }
      },
    },
    "Copy",
  );
  return ui.card(
    "Put the chat on your shop",
    ui.el("p", { class: "muted" }, "Paste this one line before </body> on any page of the shop:"),
    ui.el("pre", { class: "snippet", style: "white-space:pre-wrap;word-break:break-all" }, code),
    ui.el("div", { class: "controls" }, copy, status),
    ui.el(
      "p",
      { class: "muted" },
      "For a signed-in customer add data-customer-token=\"…\" (a token from POST /assistant/tokens) " +
        "so they can ask about their own orders. Visitors give the order number and their e-mail.",
    ),
  );
}

function chatCard(ui, chat) {
  const host = ui.el("div", { class: "chat-host", style: "height:480px" });
  const card = ui.card("Chat", host);
  card.id = "chat";
  let widget = null;
  const reset = ui.el(
    "button",
    { type: "button", class: "secondary", onclick: () => widget && widget.reset() },
    "New conversation",
  );
  card.append(
    ui.el(
      "div",
      { class: "controls", style: "margin-top:0.6rem" },
      reset,
      ui.el("span", { class: "muted" }, "Try “where is my order?”, “退货政策” or “talk to a person”."),
    ),
  );
  widget = chat.mount(host, { title: "Shop chat (as customers see it)" });
  return card;
}

function transcript(ui, turns) {
  return ui.el(
    "ol",
    { class: "transcript" },
    (turns || []).map((turn) =>
      ui.el(
        "li",
        {},
        ui.el("strong", {}, turn.role === "customer" ? "Customer: " : "Assistant: "),
        turn.text,
        turn.intent ? ui.el("span", { class: "badge" }, turn.intent) : null,
      ),
    ),
  );
}

function ticketItem(ui, ticket, reload) {
  const note = ui.el("input", {
    type: "text",
    placeholder: "What was done",
    value: "Answered by e-mail",
    "aria-label": `resolution of ticket ${ticket.ticket_id}`,
  });
  const resolve = ui.el(
    "button",
    {
      type: "button",
      "data-testid": "resolve-ticket",
      onclick: async () => {
        resolve.disabled = true;
        try {
          await ui.api(`/assistant/tickets/${ticket.ticket_id}/resolve`, {
            method: "POST",
            body: { resolution: note.value.trim() || "resolved" },
          });
          await reload();
        } catch (error) {
          resolve.disabled = false;
          item.append(ui.notice(error.message, "error"));
        }
      },
    },
    "Resolve",
  );
  const when = new Date(ticket.created_at).toLocaleString();
  const item = ui.el(
    "details",
    { class: "ticket", "data-ticket-id": ticket.ticket_id },
    ui.el(
      "summary",
      {},
      ui.el("strong", {}, `#${ticket.ticket_id} `),
      ticket.reason,
      ui.el("span", { class: "muted" }, ` · ${when}`),
      ticket.customer_id ? ui.el("span", { class: "badge" }, ticket.customer_id) : null,
    ),
    transcript(ui, ticket.transcript),
    ui.el("div", { class: "controls" }, note, resolve),
  );
  return item;
}

function ticketCard(ui) {
  const body = ui.el("div", { "data-testid": "ticket-queue" });
  const card = ui.card("Handed to a person", body);
  card.id = "tickets";

  async function reload() {
    if (!ui.signedIn()) {
      body.replaceChildren(ui.notice("Sign in with a write key (top right) to see the ticket queue."));
      return;
    }
    try {
      const tickets = await ui.api("/assistant/tickets?status=open");
      body.replaceChildren(
        tickets.length
          ? ui.el("p", { class: "muted" }, `${tickets.length} open; newest first. Open one for its transcript.`)
          : ui.notice("No open tickets.", "good"),
        ...tickets.map((ticket) => ticketItem(ui, ticket, reload)),
      );
    } catch (error) {
      const text =
        error.status === 401 || error.status === 403
          ? "Sign in with a write key (top right) to see the ticket queue."
          : error.message;
      body.replaceChildren(ui.notice(text, error.status === 401 ? "info" : "error"));
    }
  }
  card.addEventListener("shopmind:ticket", reload);
  return { card, reload };
}

export async function render(root, ui) {
  const queue = ticketCard(ui);
  let chat;
  try {
    const widget = await loadWidget();
    chat = chatCard(ui, widget);
    // A hand-off in the chat shows up in the queue straight away.
    chat.addEventListener("shopmind:ticket", () => queue.reload());
  } catch (error) {
    chat = ui.card("Chat", ui.notice(error.message, "error"));
  }
  root.append(chat, queue.card, embedCard(ui));
  await queue.reload();
}
