/* Cascading place selects on the filing form (county → town → village), from
   /public/regions/<code>/. Without this file, the server fills them step by step. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-regions]");
  if (!form || !window.fetch) {
    return;
  }
  var url = form.getAttribute("data-regions");
  var county = form.querySelector("select[name=county]");
  var town = form.querySelector("select[name=town]");
  var village = form.querySelector("select[name=village]");
  form.classList.add("js");

  function reset(select) {
    while (select.options.length) {
      select.remove(0);
    }
    select.add(new Option(select.getAttribute("data-prompt") || "", ""));
    select.disabled = true;
  }

  function fill(select, parent) {
    reset(select);
    if (!parent) {
      return;
    }
    fetch(url.replace(/\/0\/$/, "/" + encodeURIComponent(parent) + "/"), {
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        data.children.forEach(function (child) {
          select.add(new Option(child.name, child.code));
        });
        select.disabled = data.children.length === 0;
      })
      .catch(function () {
        // Fall back to the server's step-by-step buttons.
        form.classList.remove("js");
      });
  }

  county.addEventListener("change", function () {
    reset(village);
    fill(town, county.value);
  });
  town.addEventListener("change", function () {
    fill(village, town.value);
  });
})();
