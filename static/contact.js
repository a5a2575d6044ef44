/* The contact page's only script: focus, the sending state, keep-your-words messages and the quick exit.
   The form works fully without it; htmx, which it loads once the page has painted, does the requests. */
(function () {
  "use strict";
  var escapes = [];
  var htmxUrl = document.currentScript && document.currentScript.getAttribute("data-htmx");

  function quickExit() {
    var exit = document.getElementById("quick-exit");
    // replace(): the Back button must not bring this page back on a shared phone.
    if (exit) window.location.replace(exit.href);
  }

  function status(key) {
    var box = document.getElementById("send-status");
    if (box) box.textContent = key ? box.getAttribute("data-" + key) : "";
  }

  function button(sending) {
    // Its words are the page's language: the template writes both on the button.
    var send = document.getElementById("send");
    if (!send) return;
    send.disabled = sending;
    send.textContent = send.getAttribute(sending ? "data-sending" : "data-send");
  }

  function isForm(event) {
    return event.detail && event.detail.elt && event.detail.elt.id === "contact-form";
  }

  function focusFirst() {
    var target = document.getElementById("error-summary") || document.getElementById("thanks-heading");
    if (target) target.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    escapes = escapes.filter(function (t) { return now - t < 2000; });
    escapes.push(now);
    if (escapes.length >= 3) quickExit();
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#quick-exit");
    if (link) { event.preventDefault(); quickExit(); }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isForm(event)) { button(true); status("sending"); }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!isForm(event)) return;
    button(false);
    if (!event.detail.successful) status("failed");
  });

  document.addEventListener("htmx:timeout", function (event) {
    if (isForm(event)) status("timeout");
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    // A visitor who went back into a field while it was being checked keeps what they typed since.
    var target = event.detail.target, active = document.activeElement;
    if (target && target.classList.contains("field") && active && target.contains(active) && active.type !== "radio") {
      event.detail.shouldSwap = false;
    }
    // A choice changed again while the previous one was being checked (arrow keys are fast, phones
    // slow): the answer is stale. Keep the visitor's choice and check that one instead.
    var chosen = target && target.classList.contains("field") && target.querySelector("input[type=radio]:checked");
    if (chosen && event.detail.shouldSwap) {
      var answer = document.createElement("template");
      answer.innerHTML = event.detail.serverResponse;
      var checked = answer.content.querySelector("input[type=radio]:checked");
      if (checked && checked.name === chosen.name && checked.value !== chosen.value) {
        event.detail.shouldSwap = false;
        setTimeout(function () { window.htmx.trigger(target, "change"); }, 0);
      }
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var id = event.detail.target && event.detail.target.id;
    if (id === "contact-area" || id === "main") focusFirst();
  });

  // Without htmx (blocked or failed to load) the form posts normally; still say it is sending.
  document.addEventListener("submit", function (event) {
    if (!window.htmx && event.target.id === "contact-form") { button(true); status("sending"); }
  });
  window.addEventListener("pageshow", function () { button(false); });

  // htmx (16 KB) waits until the page has painted: on a slow link it would otherwise share the
  // bandwidth with the page itself. The form posts normally until then.
  function loadHtmx() {
    if (!htmxUrl || window.htmx) return;
    var script = document.createElement("script");
    script.src = htmxUrl;
    document.head.appendChild(script);
  }
  function afterPaint() { window.requestAnimationFrame(function () { window.setTimeout(loadHtmx, 0); }); }
  if (document.readyState === "complete") afterPaint();
  else window.addEventListener("load", afterPaint);

  focusFirst();
})();
