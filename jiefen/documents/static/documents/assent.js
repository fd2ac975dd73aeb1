/* A handwritten signature drawn on a canvas with pointer events (finger, pen or mouse): the
   PNG goes into the form's hidden "signature" field, the strokes into "strokes", so a page
   shown again with an error redraws what was drawn. No inline script: the CSP forbids it. */
(function () {
  "use strict";
  function pad(canvas) {
    var form = canvas.closest("form");
    var output = form.querySelector("input[name=signature]");
    var kept = form.querySelector("input[name=strokes]");
    var clear = form.querySelector(".signature-clear");
    var ctx = canvas.getContext("2d");
    var strokes = [];
    var current = null;
    try {
      strokes = JSON.parse(kept.value || "[]");
      if (!Array.isArray(strokes)) { strokes = []; }
    } catch (e) {
      strokes = [];
    }
    function pen() {
      ctx.lineWidth = 5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
    }
    function draw(stroke) {
      if (!stroke.length) { return; }
      ctx.beginPath();
      ctx.moveTo(stroke[0][0], stroke[0][1]);
      for (var i = 1; i < stroke.length; i++) { ctx.lineTo(stroke[i][0], stroke[i][1]); }
      if (stroke.length === 1) { ctx.lineTo(stroke[0][0] + 0.5, stroke[0][1]); }
      ctx.stroke();
    }
    function save() {
      if (strokes.length) {
        output.value = canvas.toDataURL("image/png");
        kept.value = JSON.stringify(strokes);
      } else {
        output.value = "";
        kept.value = "";
      }
    }
    function redraw() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      pen();
      strokes.forEach(draw);
      save();
    }
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return [
        Math.round((event.clientX - box.left) * canvas.width / box.width),
        Math.round((event.clientY - box.top) * canvas.height / box.height)
      ];
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      if (canvas.setPointerCapture) { canvas.setPointerCapture(event.pointerId); }
      current = [point(event)];
      strokes.push(current);
      pen();
      draw(current);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!current) { return; }
      event.preventDefault();
      var last = current[current.length - 1];
      var next = point(event);
      current.push(next);
      ctx.beginPath();
      ctx.moveTo(last[0], last[1]);
      ctx.lineTo(next[0], next[1]);
      ctx.stroke();
    });
    function end() {
      if (!current) { return; }
      current = null;
      save();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", end);
    if (clear) {
      clear.addEventListener("click", function () {
        strokes = [];
        redraw();
      });
    }
    form.addEventListener("submit", save);
    redraw();
  }
  document.querySelectorAll("canvas.signature").forEach(pad);
})();
