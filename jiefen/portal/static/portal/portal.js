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

  // Fill `select` with the children of `parent`, choosing `chosen` when it is among them;
  // resolves when the list is in place.
  function fill(select, parent, chosen) {
    reset(select);
    if (!parent) {
      return Promise.resolve();
    }
    return fetch(url.replace(/\/0\/$/, "/" + encodeURIComponent(parent) + "/"), {
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
          select.add(new Option(child.name, child.code, false, child.code === chosen));
        });
        select.disabled = data.children.length === 0;
      })
      .catch(function () {
        // Fall back to the server's step-by-step buttons.
        form.classList.remove("js");
      });
  }

  // The place chosen is kept in this page's history entry: the pages are never cached (a
  // shared computer keeps nothing), so going back or forward loads the form anew, and the
  // browser, which restores what was typed, cannot restore a choice from a list this file
  // filled. Place codes only, nothing the party typed.
  function remember() {
    if (!window.history || !history.replaceState) {
      return;
    }
    var state = history.state && typeof history.state === "object" ? history.state : {};
    state.place = { county: county.value, town: town.value, village: village.value };
    history.replaceState(state, "");
  }

  function restore() {
    var place = history.state && history.state.place;
    if (!place || !place.county) {
      // Nothing remembered: a county the browser restored (or the server chose) still gets
      // its towns when the list came back empty.
      if (county.value && town.options.length <= 1) {
        fill(town, county.value);
      }
      return;
    }
    if (town.value === place.town && village.value === place.village && !town.disabled) {
      return; // the server's lists, already chosen
    }
    county.value = place.county;
    fill(town, place.county, place.town).then(function () {
      if (town.value === place.town && place.town) {
        return fill(village, place.town, place.village);
      }
      reset(village);
    });
  }

  county.addEventListener("change", function () {
    reset(village);
    remember();
    fill(town, county.value);
  });
  town.addEventListener("change", function () {
    remember();
    fill(village, town.value);
  });
  village.addEventListener("change", remember);
  restore();
})();
