// Maps (Leaflet): lists on a map ([data-map]) and the pin picker of the appeal and proposal forms
// ([data-pin-picker]). Every word shown comes translated from the page's data- attributes. Without tiles (none
// set, or offline) the region outlines and the points are drawn on the plain background; without this file the
// pages still work (the lists, and the typed latitude and longitude).
(function () {
  "use strict";

  function baseMap(element) {
    var data = element.dataset;
    element.textContent = "";
    var map = L.map(element, {maxZoom: parseInt(data.maxZoom, 10) || 18, zoomSnap: 0.5, zoomControl: false});
    L.control.zoom({zoomInTitle: data.textZoomIn, zoomOutTitle: data.textZoomOut}).addTo(map);
    var tiles = (data.tiles || "").split(/\s+/).filter(Boolean);
    tiles.forEach(function (template, index) {
      L.tileLayer(template, {subdomains: data.subdomains || "abc", maxZoom: map.getMaxZoom(),
                             attribution: index === 0 ? data.attribution : ""}).addTo(map);
    });
    element.classList.add(tiles.length ? "map-tiled" : "map-plain");
    map.attributionControl.setPrefix(false);  // no flag, no link out: only the tile source's own credit
    return map;
  }

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      });
  }

  function drawOutlines(map, url) {
    return getJSON(url).then(function (collection) {
      var layer = L.geoJSON(collection, {
        interactive: false,
        style: function (feature) {
          var village = feature.properties.level === "village";
          return {className: "region-outline region-" + feature.properties.level, weight: village ? 1.5 : 2.5,
                  color: "#4a4a4a", fillColor: "#0a4fb8", fillOpacity: village ? 0.06 : 0.02,
                  dashArray: village ? "4 4" : null};
        }
      }).addTo(map);
      return layer;
    }).catch(function () { return null; });
  }

  function pin(feature, kind) {
    var state = feature.properties.deadline;
    var glyph = {overdue: "!!", soon: "!", fine: "✓"}[state] || "";
    return L.divIcon({className: "map-pin" + (state ? " map-dot deadline-" + state : ""), html: glyph,
                      iconSize: [28, 28], iconAnchor: [14, 14], popupAnchor: [0, -12]});
  }

  var WORST = ["overdue", "soon", "fine"];

  // A group of points: how many, and on the officials' map the most urgent deadline among them (its glyph too).
  function clusterIcon(group) {
    var states = group.getAllChildMarkers().map(function (m) { return m.options.deadline; });
    var worst = WORST.filter(function (state) { return states.indexOf(state) >= 0; })[0];
    var glyph = {overdue: "!!", soon: "!", fine: ""}[worst] || "";
    return L.divIcon({className: "map-cluster" + (worst ? " deadline-" + worst : ""), iconSize: [40, 40],
                      html: "<span>" + group.getChildCount() + (glyph ? " " + glyph : "") + "</span>"});
  }

  function popup(feature, texts) {
    var p = feature.properties, box = document.createElement("div"), link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.title;
    box.appendChild(link);
    var meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = p.status_label + (p.approximate ? " · " + texts.approximate : "");
    box.appendChild(meta);
    return box;
  }

  function listMap(element) {
    var data = element.dataset, map = baseMap(element);
    var status = document.querySelector("[data-map-status]");
    var texts = {approximate: data.textApproximate};
    map.setView([30, 105], 4);
    var outlines = drawOutlines(map, data.outlines);
    var points = !data.points ? Promise.resolve(null) : getJSON(data.points).then(function (collection) {
      var cluster = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 50,
                                          iconCreateFunction: clusterIcon});
      collection.features.forEach(function (feature) {
        var c = feature.geometry.coordinates;
        var marker = L.marker([c[1], c[0]], {icon: pin(feature, data.map), title: feature.properties.title,
                                            deadline: feature.properties.deadline,
                                            alt: feature.properties.title, keyboard: true});
        marker.bindPopup(popup(feature, texts));
        cluster.addLayer(marker);
      });
      map.addLayer(cluster);
      if (status) {
        status.textContent = collection.features.length ? data.textShown + " " + collection.features.length
          + (collection.truncated ? ". " + data.textTruncated : "") : data.textNone;
      }
      element.dataset.pointsLoaded = String(collection.features.length);
      return collection.features.length ? cluster.getBounds() : null;
    }).catch(function () {
      if (status) { status.textContent = data.textFailed; status.classList.add("error"); }
      return null;
    });
    Promise.all([outlines, points]).then(function (found) {
      // The whole area asked for (its outlines) with every point in it: the points keep their surroundings.
      var bounds = found[0] && found[0].getLayers().length ? found[0].getBounds() : null;
      if (found[1]) { bounds = bounds ? bounds.extend(found[1]) : found[1]; }
      if (bounds && bounds.isValid()) { map.fitBounds(bounds, {padding: [16, 16], maxZoom: 15}); }
      element.dataset.ready = "true";
    });
  }

  function pinPicker(element) {
    var data = element.dataset;
    var lat = document.getElementById(data.latitude), lon = document.getElementById(data.longitude);
    var village = data.village ? document.getElementById(data.village) : null;
    var centres = JSON.parse(data.centres || "{}");
    var box = element.querySelector("[data-map-box]");
    var status = element.querySelector("[data-pin-status]");
    element.hidden = false;
    var map = baseMap(box), marker = null;

    function say(text) { if (status) { status.textContent = text || ""; } }
    function typed() {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      return isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180 ? L.latLng(a, b) : null;
    }
    function place(latlng, fill) {
      if (!marker) {
        marker = L.marker(latlng, {draggable: true, keyboard: true, title: data.textPin, alt: data.textPin,
                                   icon: L.divIcon({className: "map-pin map-pin-chosen", iconSize: [28, 28],
                                                    iconAnchor: [0, 28]})}).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng(), true); });
      }
      marker.setLatLng(latlng);
      if (fill) {
        lat.value = latlng.lat.toFixed(6);
        lon.value = L.Util.wrapNum(latlng.lng, [-180, 180], true).toFixed(6);
        say(data.textPlaced + " " + lat.value + ", " + lon.value);
      }
    }
    var outlines = null;
    function centreOnVillage() {
      // The village's outline fills the map when it has one; otherwise its centre is shown close up.
      var shape = null;
      if (outlines && village) {
        outlines.eachLayer(function (layer) {
          if (String(layer.feature.properties.id) === village.value) { shape = layer; }
        });
      }
      if (shape) { map.fitBounds(shape.getBounds(), {padding: [8, 8]}); return true; }
      var centre = village && centres[village.value];
      if (centre) { map.setView(centre, 14); }
      return Boolean(centre);
    }

    map.on("click", function (event) { place(event.latlng, true); });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var point = typed();
        if (point) { place(point, false); map.panTo(point); }
      });
    });
    if (village) { village.addEventListener("change", centreOnVillage); }
    var here = element.querySelector("[data-use-location]");
    if (here && "geolocation" in navigator) {
      here.hidden = false;
      here.addEventListener("click", function () {
        say(data.textLocating);
        navigator.geolocation.getCurrentPosition(function (position) {
          var point = L.latLng(position.coords.latitude, position.coords.longitude);
          place(point, true);
          map.setView(point, Math.max(map.getZoom(), 16));
        }, function () { say(data.textNoLocation); }, {enableHighAccuracy: true, timeout: 15000});
      });
    }
    var centre = element.querySelector("[data-pin-centre]");
    if (centre) { centre.addEventListener("click", function () { place(map.getCenter(), true); }); }
    var clear = element.querySelector("[data-pin-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        lat.value = lon.value = "";
        if (marker) { map.removeLayer(marker); marker = null; }
        say(data.textCleared);
      });
    }

    map.setView([30, 105], 4);
    var start = typed();
    drawOutlines(map, box.dataset.outlines).then(function (layer) {
      outlines = layer;
      if (start) { place(start, false); map.setView(start, 16); }
      else if (!centreOnVillage() && layer && layer.getLayers().length) { map.fitBounds(layer.getBounds()); }
      box.dataset.ready = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof L === "undefined") { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), listMap);
    Array.prototype.forEach.call(document.querySelectorAll("[data-pin-picker]"), pinPicker);
  });
}());
