/* arsearch: what scripts add to pages that work without them (CSP: no inline code).
 *
 * 1. The search box becomes an ARIA 1.2 combobox with a listbox of suggestions from
 *    /api/suggest (WAI-ARIA Authoring Practices, "list autocomplete"): typing asks for
 *    suggestions (debounced); Down/Up move through them (wrapping), Enter takes the one
 *    chosen (a query is searched, an article's title opens it), Escape closes the list
 *    (and, when it is closed, clears the box), Tab and a click elsewhere close it; a
 *    click on a suggestion takes it. A polite live region says how many there are.
 * 2. The filter panel, folded on phones, is unfolded on wide screens.
 * Without JavaScript the box is a plain search field and the panel a <details>.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 120;
  var WIDE = "(min-width: 48rem)";

  function combobox(input) {
    var endpoint = input.getAttribute("data-suggest");
    var form = input.form;
    var box = input.parentNode;
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var items = [];
    var active = -1;
    var timer = null;
    var pending = null;
    var asked = "";

    list.id = input.id + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "اقتراحات البحث");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    box.appendChild(list);
    box.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function isOpen() { return !list.hidden; }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      if (!items.length) { close(); return; }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      var options = list.children;
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(suggestions) {
      items = suggestions;
      list.textContent = "";
      suggestions.forEach(function (s, i) {
        var li = document.createElement("li");
        var text = document.createElement("bdi");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = s.kind === "title" ? "suggestion-title" : "suggestion-query";
        if (s.kind === "title") {
          var kind = document.createElement("span");
          kind.className = "suggestion-kind";
          kind.textContent = "مقال: ";
          li.appendChild(kind);
        }
        text.textContent = s.text;
        li.appendChild(text);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      active = -1;
      status.textContent = suggestions.length
        ? suggestions.length + " اقتراحات، استخدم الأسهم للتنقل بينها"
        : "";
      if (suggestions.length && document.activeElement === input) { open(); } else { close(); }
    }

    function choose(index) {
      var s = items[index];
      if (!s) { return; }
      close();
      if (s.kind === "title" && s.url) {
        window.location.assign(s.url);
        return;
      }
      input.value = s.text;
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }

    function ask() {
      var q = input.value;
      if (q === asked) { open(); return; }
      asked = q;
      if (pending) { pending.abort(); }
      if (!q.trim()) { render([]); return; }
      var controller = window.AbortController ? new AbortController() : null;
      pending = controller;
      fetch(endpoint + "?q=" + encodeURIComponent(q),
            { headers: { Accept: "application/json" }, signal: controller && controller.signal })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          if (input.value === q) { render(data.suggestions || []); }
        })
        .catch(function () { /* aborted or offline: the box still searches */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (event) {
      var n = items.length;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (!isOpen()) { if (n) { open(); highlight(0); } else { ask(); } return; }
          highlight(active + 1 >= n ? 0 : active + 1);
          break;
        case "ArrowUp":
          event.preventDefault();
          if (!isOpen()) { if (n) { open(); highlight(n - 1); } return; }
          highlight(active <= 0 ? n - 1 : active - 1);
          break;
        case "Enter":
          if (isOpen() && active >= 0) { event.preventDefault(); choose(active); }
          else { close(); }
          break;
        case "Escape":
          if (isOpen()) { event.preventDefault(); close(); }
          else if (input.value) { event.preventDefault(); input.value = ""; asked = ""; items = []; }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", close);
  }

  function unfoldFiltersOnWideScreens() {
    var panel = document.getElementById("filters");
    if (panel && window.matchMedia && window.matchMedia(WIDE).matches) { panel.open = true; }
  }

  var input = document.getElementById("q");
  if (input && input.getAttribute("data-suggest") && window.fetch) { combobox(input); }
  unfoldFiltersOnWideScreens();
})();
