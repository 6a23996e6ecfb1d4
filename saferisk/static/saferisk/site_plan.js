// Drawing on the four-colour risk plan (risks/plan/site_plan.html), for the enterprise's users.
//
// "Draw an area": each click on the plan adds a corner; a double-click on the last corner or
// "Finish" closes the area (3 corners at least). "Place a marker": one click. The shape goes
// into the area form's hidden fields as JSON, as fractions of the image's width and height
// (0..1, what the server stores), so the page's size does not matter. The draft is drawn in
// the SVG over the image (<g id="plan-draft">), in image pixels like the saved areas.
// Outside drawing, a click on an area opens it in the form (the areas are links). The risk
// list of the form can be filtered by typing. No inline script: the page includes this file.
(function () {
  "use strict";
  var figure = document.getElementById("plan-figure");
  if (!figure || figure.getAttribute("data-editable") !== "1") { return; }
  var NS = "http://www.w3.org/2000/svg";
  var svg = figure.querySelector("svg.plan-overlay");
  var draft = document.getElementById("plan-draft");
  var tools = document.getElementById("plan-tools");
  var form = document.getElementById("area-form");
  var pointsInput = document.getElementById("id_points");
  var shapeInput = document.getElementById("id_shape");
  var nameInput = document.getElementById("id_name");
  var hint = document.getElementById("plan-hint");
  var state = document.getElementById("plan-shape-state");
  var finishButton = document.getElementById("plan-finish");
  var undoButton = document.getElementById("plan-undo");
  var clearButton = document.getElementById("plan-clear");
  var modeButtons = tools.querySelectorAll("[data-plan-mode]");
  var W = parseFloat(figure.getAttribute("data-width")) || 1;
  var H = parseFloat(figure.getAttribute("data-height")) || 1;
  var SIDE = Math.max(W, H);
  var POLYGON = "polygon";
  var MARKER = "marker";
  var NEAR_PX = 5;  // a click this close to the last corner is the second click of a double-click

  var mode = null;  // POLYGON or MARKER while drawing
  var shape = shapeInput.value || POLYGON;
  var points = stored();
  tools.hidden = false;

  function stored() {
    try {
      var value = JSON.parse(pointsInput.value || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function clamp(v) { return Math.min(1, Math.max(0, Math.round(v * 100000) / 100000)); }

  function fraction(event) {
    var box = svg.getBoundingClientRect();
    return [clamp((event.clientX - box.left) / box.width), clamp((event.clientY - box.top) / box.height)];
  }

  function near(a, b) {
    var box = svg.getBoundingClientRect();
    return Math.abs((a[0] - b[0]) * box.width) <= NEAR_PX && Math.abs((a[1] - b[1]) * box.height) <= NEAR_PX;
  }

  function element(name, attrs) {
    var el = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (key) { el.setAttribute(key, attrs[key]); });
    return el;
  }

  function pixels(list) {
    return list.map(function (p) { return (p[0] * W).toFixed(1) + "," + (p[1] * H).toFixed(1); }).join(" ");
  }

  function render() {
    while (draft.firstChild) { draft.removeChild(draft.firstChild); }
    var line = { stroke: "#1d4ed8", "stroke-width": 2, "vector-effect": "non-scaling-stroke" };
    if (shape === MARKER && points.length) {
      draft.appendChild(element("circle", Object.assign({
        cx: points[0][0] * W, cy: points[0][1] * H, r: SIDE / 60, fill: "#1d4ed8", "fill-opacity": 0.35,
        "stroke-dasharray": "6 4", "class": "plan-draft-marker"
      }, line)));
    } else if (points.length) {
      var closed = mode === null && points.length >= 3;
      draft.appendChild(element(closed ? "polygon" : "polyline", Object.assign({
        points: pixels(points), fill: closed ? "#1d4ed8" : "none", "fill-opacity": 0.12,
        "stroke-dasharray": "6 4", "class": "plan-draft-shape"
      }, line)));
      points.forEach(function (p) {
        draft.appendChild(element("circle", {
          cx: p[0] * W, cy: p[1] * H, r: SIDE / 250, fill: "#fff", stroke: "#1d4ed8",
          "stroke-width": 2, "vector-effect": "non-scaling-stroke", "class": "plan-draft-corner"
        }));
      });
    }
    finishButton.disabled = !(mode === POLYGON && points.length >= 3);
    undoButton.disabled = !(mode === POLYGON && points.length > 0);
    clearButton.disabled = points.length === 0 && mode === null;
    figure.classList.toggle("plan-drawing", mode !== null);
    Array.prototype.forEach.call(modeButtons, function (b) {
      b.classList.toggle("active", b.getAttribute("data-plan-mode") === mode);
    });
    if (state && mode === null) {
      var text = state.getAttribute("data-empty");
      if (points.length && shape === MARKER) { text = state.getAttribute("data-marker"); }
      if (points.length >= 3 && shape === POLYGON) {
        text = state.getAttribute("data-polygon").replace("{n}", points.length);
      }
      state.textContent = text;
    }
  }

  function say(key) { hint.textContent = hint.getAttribute("data-" + key) || ""; }

  function start(newMode) {
    mode = newMode;
    shape = newMode;
    points = [];
    say(newMode);
    render();
  }

  function done() {
    mode = null;
    shapeInput.value = shape;
    pointsInput.value = JSON.stringify(points);
    say("done");
    render();
    if (nameInput) { nameInput.focus(); }
  }

  function finish() {
    if (mode !== POLYGON) { return; }
    if (points.length < 3) { say("short"); return; }
    done();
  }

  function cancel() {
    mode = null;
    shape = shapeInput.value || POLYGON;
    points = stored();
    say("idle");
    render();
  }

  // Capture, so that while drawing a click on an existing area adds a corner instead of following its link.
  svg.addEventListener("click", function (event) {
    if (mode === null) { return; }
    event.preventDefault();
    event.stopPropagation();
    var p = fraction(event);
    if (mode === MARKER) {
      points = [p];
      done();
      return;
    }
    if (points.length && near(p, points[points.length - 1])) { return; }
    points.push(p);
    say(POLYGON);
    render();
  }, true);

  svg.addEventListener("dblclick", function (event) {
    if (mode !== POLYGON) { return; }
    event.preventDefault();
    finish();
  });

  Array.prototype.forEach.call(modeButtons, function (button) {
    button.addEventListener("click", function () { start(button.getAttribute("data-plan-mode")); });
  });
  finishButton.addEventListener("click", finish);
  undoButton.addEventListener("click", function () {
    points.pop();
    render();
  });
  clearButton.addEventListener("click", function () {
    mode = null;
    points = [];
    shapeInput.value = POLYGON;
    pointsInput.value = "";
    say("idle");
    render();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && mode !== null) { cancel(); }
    if (event.key === "Enter" && mode === POLYGON && event.target === document.body) { finish(); }
  });

  // A half-drawn area is finished (or kept from being lost) before the form is sent.
  if (form) {
    form.addEventListener("submit", function (event) {
      if (mode === POLYGON && points.length >= 3) { done(); return; }
      if (mode !== null) {
        event.preventDefault();
        say(mode === POLYGON ? "short" : MARKER);
      }
    });
  }

  var filter = document.getElementById("plan-risk-filter");
  if (filter) {
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // filtering, not saving
    });
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      document.querySelectorAll(".plan-risk-list label[data-text]").forEach(function (label) {
        label.hidden = q !== "" && label.getAttribute("data-text").toLowerCase().indexOf(q) < 0;
      });
    });
  }

  say("idle");
  render();
})();
