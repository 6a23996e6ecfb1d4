// Coordinate picker of the enterprise profile page. As on the home page there is no tile layer
// (government intranets have no map tiles): a plain background with a coordinate grid, the
// enterprise's marker and other enterprises nearby as grey points. A click sets the coordinates;
// typing them moves the marker. Data comes from json_script, so no inline script is needed.
(function () {
  "use strict";
  var el = document.getElementById("profile-map");
  if (!el || !window.L) { return; }
  var lngInput = document.getElementById("id_longitude");
  var latInput = document.getElementById("id_latitude");
  var editable = el.getAttribute("data-editable") === "1";
  var ctxEl = document.getElementById("data-map-context");
  var context = ctxEl ? JSON.parse(ctxEl.textContent) : [];
  var CHINA = L.latLngBounds([3.8, 73.5], [53.6, 135.1]);

  var map = L.map(el, { attributionControl: false, maxBounds: CHINA.pad(0.1), maxZoom: 18 });  // no tiles: no implied max
  L.control.scale({ imperial: false }).addTo(map);

  var grid = L.layerGroup().addTo(map);
  function drawGrid() {
    grid.clearLayers();
    var b = map.getBounds();
    var span = Math.max(b.getEast() - b.getWest(), b.getNorth() - b.getSouth());
    var steps = [10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001];
    var step = steps[steps.length - 1];
    for (var i = 0; i < steps.length; i++) { if (span / steps[i] >= 4) { step = steps[i]; break; } }
    var digits = Math.max(0, Math.ceil(-Math.log10(step)));
    var style = { color: "#b8c2cc", weight: 1, opacity: 0.7, interactive: false };
    for (var x = Math.ceil(b.getWest() / step) * step; x <= b.getEast(); x += step) {
      L.polyline([[b.getSouth(), x], [b.getNorth(), x]], style).addTo(grid);
      L.tooltip({ permanent: true, direction: "bottom", className: "map-grid-label", interactive: false })
        .setLatLng([b.getNorth(), x]).setContent(x.toFixed(digits) + "°E").addTo(grid);
    }
    for (var y = Math.ceil(b.getSouth() / step) * step; y <= b.getNorth(); y += step) {
      L.polyline([[y, b.getWest()], [y, b.getEast()]], style).addTo(grid);
      L.tooltip({ permanent: true, direction: "right", className: "map-grid-label", interactive: false })
        .setLatLng([y, b.getWest()]).setContent(y.toFixed(digits) + "°N").addTo(grid);
    }
  }

  var bounds = [];
  context.forEach(function (p) {
    L.circleMarker([p[0], p[1]], { radius: 3, weight: 0, fillOpacity: 0.6, fillColor: "#9aa5b1" })
      .bindTooltip(p[2]).addTo(map);
    bounds.push([p[0], p[1]]);
  });

  var marker = null;
  function current() {
    var lng = parseFloat(lngInput && lngInput.value);
    var lat = parseFloat(latInput && latInput.value);
    return isFinite(lng) && isFinite(lat) ? L.latLng(lat, lng) : null;
  }
  function place(latlng) {
    if (!latlng) {
      if (marker) { map.removeLayer(marker); marker = null; }
      return;
    }
    if (!marker) {
      marker = L.circleMarker(latlng, { radius: 7, weight: 2, color: "#fff", fillOpacity: 1, fillColor: "#E53935" }).addTo(map);
    } else {
      marker.setLatLng(latlng);
    }
  }
  var here = current();
  place(here);
  if (here) {
    map.setView(here, 14);
  } else if (bounds.length) {
    map.fitBounds(bounds, { padding: [16, 16], maxZoom: 13 });
  } else {
    map.setView([32.9, 119.5], 7);
  }
  drawGrid();
  map.on("moveend", drawGrid);

  if (!editable) { return; }
  map.on("click", function (e) {
    if (!CHINA.contains(e.latlng)) { return; }
    lngInput.value = e.latlng.lng.toFixed(6);
    latInput.value = e.latlng.lat.toFixed(6);
    place(e.latlng);
  });
  [lngInput, latInput].forEach(function (input) {
    if (input) { input.addEventListener("change", function () { place(current()); }); }
  });
  var clear = document.getElementById("profile-map-clear");
  if (clear) {
    clear.addEventListener("click", function () { lngInput.value = ""; latInput.value = ""; place(null); });
  }
})();
