/*
 * shopmind chat widget. On any page of the shop:
 *
 *   <script src="https://SHOPMIND-HOST/static/chat.js" defer></script>
 *
 * adds a chat bubble that talks to POST /assistant/messages on the host the script came from.
 * Optional attributes on the script tag:
 *   data-customer-token="..."   a token from POST /assistant/tokens for a signed-in customer
 *   data-bubble="off"           load without the bubble; mount it yourself:
 *                               window.ShopmindChat.mount(element, {customerToken})
 *   data-title="..."            the panel's title
 * No dependencies; its styles live in a shadow root so the shop's CSS and its own don't mix.
 */
(function () {
  "use strict";
  if (window.ShopmindChat) return;

  var script = document.currentScript;
  var BASE = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var CONVERSATION_KEY = "shopmind.chat.conversation";
  var LOG_KEY = "shopmind.chat.log";
  var KEEP = 60; // messages kept in sessionStorage, so the chat survives moving between pages

  var chinese = /^zh/i.test(navigator.language || "");
  var TEXT = chinese
    ? {
        title: "在线客服",
        placeholder: "输入您的问题…",
        send: "发送",
        open: "打开客服聊天",
        close: "关闭",
        hello: "您好！可以问我订单、配送、退货或商品的问题。",
        ticket: "已转人工，工单号",
        failed: "发送失败",
        sources: "来源",
        thinking: "…",
      }
    : {
        title: "Chat with us",
        placeholder: "Ask a question…",
        send: "Send",
        open: "Open the shop chat",
        close: "Close",
        hello: "Hi! Ask me about your order, delivery, returns or our products, in English or 中文.",
        ticket: "Handed to a person: ticket",
        failed: "Could not send",
        sources: "Sources",
        thinking: "…",
      };

  var CSS = [
    ":host{all:initial;display:block;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK SC',sans-serif;color:#1d2433}",
    "*{box-sizing:border-box}",
    ".panel{display:flex;flex-direction:column;background:#fff;border:1px solid #e4e7ec;border-radius:12px;overflow:hidden;height:100%;min-height:320px}",
    ".head{display:flex;align-items:center;justify-content:space-between;padding:.6rem .8rem;background:#2563eb;color:#fff;font-weight:600}",
    ".head button{background:none;border:0;color:#fff;font-size:1.3rem;line-height:1;cursor:pointer;padding:0 .2rem}",
    ".log{flex:1;overflow-y:auto;padding:.7rem;display:flex;flex-direction:column;gap:.5rem;background:#f7f8fa}",
    ".msg{max-width:85%;padding:.45rem .65rem;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;line-height:1.35;font-size:.95rem}",
    ".msg.customer{align-self:flex-end;background:#2563eb;color:#fff;border-bottom-right-radius:4px}",
    ".msg.assistant{align-self:flex-start;background:#fff;border:1px solid #e4e7ec;border-bottom-left-radius:4px}",
    ".msg.error{align-self:center;background:#fdecea;color:#b42318;font-size:.85rem}",
    ".msg.thinking{color:#667085}",
    ".meta{display:flex;flex-wrap:wrap;gap:.25rem;margin-top:.35rem;font-size:.75rem;color:#667085}",
    ".chip{background:#eef2f7;border-radius:999px;padding:.05rem .45rem}",
    ".ticket{display:block;margin-top:.35rem;font-size:.85rem;color:#15803d;font-weight:600}",
    "form{display:flex;gap:.4rem;padding:.5rem;border-top:1px solid #e4e7ec;background:#fff}",
    "textarea{flex:1;resize:none;font:inherit;font-size:16px;padding:.4rem .55rem;border:1px solid #e4e7ec;border-radius:8px;min-height:2.4rem;max-height:6rem}",
    "form button{font:inherit;background:#2563eb;color:#fff;border:0;border-radius:8px;padding:0 .9rem;cursor:pointer}",
    "form button:disabled{opacity:.55;cursor:default}",
    ".bubble{position:fixed;right:16px;bottom:16px;width:56px;height:56px;border-radius:50%;border:0;background:#2563eb;color:#fff;display:flex;align-items:center;justify-content:center;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer;z-index:2147483000}",
    ".floating{position:fixed;right:16px;bottom:84px;width:min(380px,calc(100vw - 24px));height:min(560px,calc(100vh - 110px));box-shadow:0 8px 30px rgba(0,0,0,.2);border-radius:12px;z-index:2147483000}",
    "@media (max-width:480px){.floating{right:8px;left:8px;width:auto;bottom:76px;height:calc(100vh - 92px)}}",
  ].join("\n");

  var ICON =
    '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" fill="currentColor">' +
    '<path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z' +
    'M7 9v2h2V9zm4 0v2h2V9zm4 0v2h2V9z" fill-rule="evenodd"/></svg>';

  function make(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] !== undefined && attrs[name] !== null) node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined)
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  function storage() {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null; // blocked cookies: the chat still works, for this page only
    }
  }

  function randomId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function conversationId(reset) {
    var store = storage();
    var id = store && !reset ? store.getItem(CONVERSATION_KEY) : null;
    if (!id) {
      id = randomId();
      if (store) store.setItem(CONVERSATION_KEY, id);
    }
    return id;
  }

  function savedLog() {
    var store = storage();
    try {
      return JSON.parse((store && store.getItem(LOG_KEY)) || "[]");
    } catch (error) {
      return [];
    }
  }

  function saveLog(entries) {
    var store = storage();
    if (store) store.setItem(LOG_KEY, JSON.stringify(entries.slice(-KEEP)));
  }

  var SOURCE_LABELS = { faq: "FAQ", order: "order", product: "product" };

  function sourceChips(sources) {
    return (sources || []).map(function (source) {
      var label = SOURCE_LABELS[source.type] || source.type;
      var id = String(source.id);
      var text = id.toLowerCase().indexOf(String(source.type)) === 0 ? id : label + " " + id;
      return make("span", { class: "chip", "data-source": source.type, title: label }, [text]);
    });
  }

  /** One message in the log: {role, text, sources?, ticket_id?}. */
  function messageNode(entry) {
    var node = make("div", { class: "msg " + entry.role }, [entry.text]);
    if (entry.ticket_id) {
      node.append(
        make("span", { class: "ticket", "data-testid": "chat-ticket" }, [
          TEXT.ticket + " #" + entry.ticket_id,
        ]),
      );
    }
    if (entry.sources && entry.sources.length) {
      node.append(make("div", { class: "meta", title: TEXT.sources }, sourceChips(entry.sources)));
    }
    return node;
  }

  async function post(body) {
    var response = await fetch(BASE + "/assistant/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    var payload = await response.json().catch(function () {
      return {};
    });
    if (!response.ok) {
      var message = (payload.error && payload.error.message) || response.status + " " + response.statusText;
      throw new Error(message);
    }
    return payload;
  }

  /** The chat panel inside `host` (its own shadow root). Returns {send, reset, element}. */
  function mount(host, options) {
    options = options || {};
    var token = options.customerToken || null;
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var log = make("div", { class: "log", role: "log", "aria-live": "polite", "data-testid": "chat-log" });
    var input = make("textarea", {
      rows: "1",
      placeholder: TEXT.placeholder,
      "aria-label": TEXT.placeholder,
      maxlength: "2000",
      "data-testid": "chat-input",
    });
    var sendButton = make("button", { type: "submit", "data-testid": "chat-send" }, [TEXT.send]);
    var form = make("form", {}, [input, sendButton]);
    var head = make("div", { class: "head" }, [make("span", {}, [options.title || TEXT.title])]);
    if (options.onClose) {
      var close = make("button", { type: "button", "aria-label": TEXT.close }, ["×"]);
      close.addEventListener("click", options.onClose);
      head.append(close);
    }
    var panel = make("div", { class: "panel" + (options.floating ? " floating" : "") }, [head, log, form]);
    root.append(make("style", {}, [CSS]), panel);

    var entries = savedLog();
    function show(entry, keep) {
      var node = messageNode(entry);
      log.append(node);
      log.scrollTop = log.scrollHeight;
      if (keep) {
        entries.push(entry);
        saveLog(entries);
      }
      return node;
    }
    if (!entries.length) show({ role: "assistant", text: TEXT.hello }, false);
    entries.forEach(function (entry) {
      show(entry, false);
    });

    async function send(text) {
      text = (text || "").trim();
      if (!text) return null;
      show({ role: "customer", text: text }, true);
      var waiting = show({ role: "assistant thinking", text: TEXT.thinking }, false);
      sendButton.disabled = true;
      try {
        var body = { conversation_id: conversationId(false), text: text };
        if (token) body.customer_token = token;
        var answer = await post(body);
        waiting.remove();
        show(
          { role: "assistant", text: answer.reply, sources: answer.sources, ticket_id: answer.ticket_id },
          true,
        );
        if (answer.ticket_id) {
          host.dispatchEvent(new CustomEvent("shopmind:ticket", { bubbles: true, detail: answer }));
        }
        return answer;
      } catch (error) {
        waiting.remove();
        show({ role: "error", text: TEXT.failed + ": " + error.message }, false);
        return null;
      } finally {
        sendButton.disabled = false;
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value;
      input.value = "";
      send(text);
      input.focus();
    });
    input.addEventListener("keydown", function (event) {
      // Enter sends, Shift+Enter breaks the line; an IME composing Chinese keeps its Enter.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
      }
    });

    function reset() {
      conversationId(true);
      entries = [];
      saveLog(entries);
      log.replaceChildren();
      show({ role: "assistant", text: TEXT.hello }, false);
    }

    return { send: send, reset: reset, element: host, input: input };
  }

  /** The floating bubble that opens the panel: what the one script tag adds to a shop page. */
  function bubble(options) {
    var host = make("div", { id: "shopmind-chat" });
    var root = host.attachShadow({ mode: "open" });
    var button = make("button", { class: "bubble", "aria-label": TEXT.open, "aria-expanded": "false" });
    button.innerHTML = ICON; // a drawing, so no emoji font is needed
    root.append(make("style", {}, [CSS]), button);
    document.body.append(host);
    var panelHost = null;
    function toggle() {
      if (!panelHost) {
        panelHost = make("div", {});
        root.append(panelHost);
        mount(panelHost, {
          customerToken: options.customerToken,
          title: options.title,
          floating: true,
          onClose: toggle,
        }).input.focus();
      } else {
        panelHost.hidden = !panelHost.hidden;
      }
      button.setAttribute("aria-expanded", String(!panelHost.hidden));
    }
    button.addEventListener("click", toggle);
    return { toggle: toggle };
  }

  var data = (script && script.dataset) || {};
  var defaults = { customerToken: data.customerToken || null, title: data.title || null };

  window.ShopmindChat = {
    base: BASE,
    mount: function (element, options) {
      return mount(element, Object.assign({}, defaults, options || {}));
    },
    bubble: function (options) {
      return bubble(Object.assign({}, defaults, options || {}));
    },
  };

  if (script && data.bubble !== "off") {
    if (document.body) bubble(defaults);
    else document.addEventListener("DOMContentLoaded", function () {
      bubble(defaults);
    });
  }
})();
