/* Every staff page: the menu button on a phone, and the focus on a form's error summary.
   Without this file the menu stays open as a list and the summary is still at the top. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  function ready() {
    var header = document.querySelector("header.top");
    var toggle = header && header.querySelector(".menu-toggle");
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = header.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && header.classList.contains("open")) {
          header.classList.remove("open");
          toggle.setAttribute("aria-expanded", "false");
          toggle.focus();
        }
      });
    }

    // A field inside a closed <details> cannot take the focus: open it first.
    function reveal(target) {
      for (var node = target; node; node = node.parentElement) {
        if (node.tagName === "DETAILS") {
          node.open = true;
        }
      }
    }
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        var target = link && document.getElementById(link.getAttribute("href").slice(1));
        if (target) {
          event.preventDefault();
          reveal(target);
          target.focus();
          target.scrollIntoView({ block: "center" });
        }
      });
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();

/* Tables: each cell learns its column's heading, so that a narrow screen can stack them. */
(function () {
  "use strict";
  function stack() {
    var tables = document.querySelectorAll("main table");
    Array.prototype.forEach.call(tables, function (table) {
      var heads = table.querySelectorAll("thead th");
      if (!heads.length || table.classList.contains("keep")) {
        return;
      }
      var labels = Array.prototype.map.call(heads, function (th) {
        return th.textContent.trim();
      });
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (labels[i] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", labels[i]);
          }
        });
      });
      table.classList.add("stacked");
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", stack);
  } else {
    stack();
  }
})();

/* The dispute list: its filters fold behind one control on a phone and stand open on a wider
   screen; the place and body boxes suggest names from the reader's jurisdiction as they type
   (a native datalist, so the keyboard and screen readers handle the choice). */
(function () {
  "use strict";
  function filters() {
    var fold = document.getElementById("filters");
    if (fold && window.matchMedia && window.matchMedia("(min-width: 720px)").matches) {
      fold.open = true;
    }
    var form = fold && fold.querySelector("form[data-suggest-url]");
    if (!form) {
      return;
    }
    var url = form.getAttribute("data-suggest-url");
    Array.prototype.forEach.call(form.querySelectorAll("input[data-suggest]"), function (input) {
      var list = document.getElementById(input.getAttribute("list"));
      var timer = null;
      var asked = "";
      function ask() {
        var text = input.value.trim();
        if (!text || text === asked || /[（(]\d+[)）]$/.test(text)) {
          return;
        }
        asked = text;
        var query = "?field=" + encodeURIComponent(input.getAttribute("data-suggest")) +
          "&q=" + encodeURIComponent(text);
        fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            if (input.value.trim() !== text || !list) {
              return;
            }
            list.textContent = "";
            data.results.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.value;
              if (item.label) {
                option.label = item.label;
              }
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }
      input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(ask, 200);
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", filters);
  } else {
    filters();
  }
})();
