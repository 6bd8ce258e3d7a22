// The map page (/map/): mines and historical sites from /map/data.geojson, drawn with Leaflet.
// Settings and interface text come from the data-map attribute; there is no inline script or style.
// Without a tile server (the offline intranet) the base is Shuozhou's extent, a graticule and the
// county names; with settings.MAP_TILE_URL the tiles are drawn under the same layers. See docs/map.md.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.L) {
    return;
  }
  var config = JSON.parse(element.getAttribute("data-map"));
  var text = config.text;
  var form = document.querySelector("form[data-map-filters]");
  var status = document.querySelector("[data-map-status]");
  var extent = L.latLngBounds(config.bounds);
  var hasTiles = config.tiles.length > 0;
  var layerNames = Object.keys(config.layers);

  var map = L.map(element, {
    attributionControl: false,
    maxBounds: extent.pad(0.6),
    minZoom: 6,
    maxZoom: hasTiles ? 18 : 15,
    zoomSnap: 0.25,
  });
  L.control.attribution({ prefix: "Leaflet" }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  map.createPane("base"); // under the features, above any tiles (app.css sets the panes' z-index)
  map.createPane("labels"); // county names and graticule labels, above the features, never clickable

  if (hasTiles) {
    config.tiles.forEach(function (url) {
      L.tileLayer(url, { attribution: config.attribution, maxZoom: 18 }).addTo(map);
    });
  } else {
    map.attributionControl.addAttribution(text.baseAttribution);
  }
  drawBase();
  map.fitBounds(extent, { padding: [24, 24] });

  // ------------------------------------------------------------ the base

  function label(latlng, className, content) {
    var span = document.createElement("span");
    span.textContent = content;
    return L.marker(latlng, {
      pane: "labels",
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: className, html: span, iconSize: null }),
    });
  }

  function degrees(value) {
    var whole = Math.floor(value + 1e-9);
    var minutes = Math.round((value - whole) * 60);
    return whole + "°" + (minutes ? (minutes < 10 ? "0" : "") + minutes + "′" : "");
  }

  function drawBase() {
    var south = extent.getSouth();
    var north = extent.getNorth();
    var west = extent.getWest();
    var east = extent.getEast();
    var base = L.layerGroup().addTo(map);
    L.rectangle(extent, { pane: "base", className: "map-extent", interactive: false, fill: !hasTiles }).addTo(base);
    if (!hasTiles) {
      var lon;
      var lat;
      for (lon = Math.ceil(west * 2) / 2; lon < east; lon += 0.5) {
        L.polyline([[south, lon], [north, lon]], { pane: "base", className: "map-graticule", interactive: false }).addTo(base);
        label([north, lon], "map-grid-label map-grid-label-lon", text.east.replace("%(value)s", degrees(lon))).addTo(base);
      }
      for (lat = Math.ceil(south * 2) / 2; lat < north; lat += 0.5) {
        L.polyline([[lat, west], [lat, east]], { pane: "base", className: "map-graticule", interactive: false }).addTo(base);
        label([lat, west], "map-grid-label map-grid-label-lat", text.north.replace("%(value)s", degrees(lat))).addTo(base);
      }
    }
    config.counties.forEach(function (county) {
      label([county.lat, county.lon], "map-county-label", county.name).addTo(base);
    });
  }

  // ------------------------------------------------------------ the features

  var groups = {};
  var loadedQuery = {};
  var counts = {};
  var sequence = 0;
  layerNames.forEach(function (layer) {
    groups[layer] = L.featureGroup();
  });

  function popupFor(properties) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("h3");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = (properties.code ? properties.code + " " : "") + properties.name;
    title.appendChild(link);
    box.appendChild(title);
    var badge = document.createElement("span");
    badge.className = "map-badge map-" + properties.layer + "-" + properties.status;
    badge.textContent = properties.status_label;
    box.appendChild(badge);
    var facts = document.createElement("dl");
    facts.className = "facts small";
    [[text.county, properties.county]].concat(properties.facts).forEach(function (pair) {
      var term = document.createElement("dt");
      var value = document.createElement("dd");
      term.textContent = pair[0];
      value.textContent = pair[1];
      facts.appendChild(term);
      facts.appendChild(value);
    });
    box.appendChild(facts);
    var open = document.createElement("a");
    open.className = "button small";
    open.href = properties.url;
    open.textContent = text.open;
    box.appendChild(open);
    return box;
  }

  function draw(layer, collection) {
    var group = groups[layer];
    group.clearLayers();
    collection.features.forEach(function (feature) {
      var properties = feature.properties;
      var colour = "map-" + layer + "-" + properties.status;
      var popup = function () {
        return popupFor(properties);
      };
      if (feature.geometry.type !== "Point") {
        L.geoJSON(feature.geometry, {
          style: function () {
            return { className: "map-boundary " + colour, weight: 2, fillOpacity: 0.25 };
          },
        })
          .bindPopup(popup)
          .addTo(group);
      }
      var latlng = L.latLng(properties.point[1], properties.point[0]);
      var marker;
      if (layer === "mines") {
        marker = L.circleMarker(latlng, { radius: 6, weight: 1.5, fillOpacity: 0.9, className: "map-marker " + colour });
      } else {
        marker = L.marker(latlng, {
          icon: L.divIcon({ className: "map-marker map-marker-site " + colour, iconSize: [14, 14] }),
          title: properties.name,
          alt: properties.name,
        });
      }
      marker.bindPopup(popup).addTo(group);
    });
    counts[layer] = collection.features.length;
  }

  function chosenLayers() {
    if (!form) {
      return layerNames;
    }
    return Array.prototype.map.call(form.querySelectorAll("input[name=layer]:checked"), function (input) {
      return input.value;
    });
  }

  function filterQuery() {
    var params = new URLSearchParams(form ? new FormData(form) : undefined);
    params.delete("layer");
    Array.from(params.keys()).forEach(function (key) {
      if (!params.get(key)) {
        params.delete(key);
      }
    });
    params.sort();
    return params.toString();
  }

  function fetchLayer(layer, query, ticket) {
    var params = new URLSearchParams(query);
    params.set("layer", layer);
    return fetch(config.dataUrl + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        if (ticket === sequence) {
          draw(layer, collection);
          loadedQuery[layer] = query;
        }
      });
  }

  function showStatus(chosen) {
    var parts = chosen.map(function (layer) {
      return config.layers[layer].shown.replace("%(count)s", counts[layer] || 0);
    });
    var total = chosen.reduce(function (sum, layer) {
      return sum + (counts[layer] || 0);
    }, 0);
    status.textContent = parts.join("；") + (chosen.length && !total ? "。" + text.none : "");
    status.classList.remove("error");
  }

  function fitToFeatures(chosen) {
    var bounds = L.latLngBounds([]);
    chosen.forEach(function (layer) {
      if (groups[layer].getLayers().length) {
        bounds.extend(groups[layer].getBounds());
      }
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 12, animate: false });
    } else {
      map.fitBounds(extent, { padding: [24, 24], animate: false });
    }
  }

  function refresh(fit) {
    var query = filterQuery();
    var chosen = chosenLayers();
    var ticket = ++sequence;
    element.removeAttribute("data-ready");
    status.textContent = text.loading;
    layerNames.forEach(function (layer) {
      var link = document.querySelector('[data-list-link="' + layer + '"]');
      if (link) {
        link.href = config.layers[layer].listUrl + (query ? "?" + query : "");
      }
      var fieldset = form && form.querySelector('[data-layer-filters="' + layer + '"]');
      if (fieldset) {
        fieldset.hidden = chosen.indexOf(layer) < 0;
      }
      if (chosen.indexOf(layer) < 0) {
        map.removeLayer(groups[layer]);
      }
    });
    var pending = chosen.map(function (layer) {
      return loadedQuery[layer] === query ? Promise.resolve() : fetchLayer(layer, query, ticket);
    });
    Promise.all(pending).then(
      function () {
        if (ticket !== sequence) {
          return;
        }
        chosen.forEach(function (layer) {
          groups[layer].addTo(map);
        });
        showStatus(chosen);
        if (fit) {
          fitToFeatures(chosen);
        }
        element.setAttribute("data-ready", "1");
      },
      function () {
        if (ticket === sequence) {
          status.textContent = text.failed;
          status.classList.add("error");
        }
      }
    );
  }

  function remember() {
    var params = new URLSearchParams(filterQuery());
    chosenLayers().forEach(function (layer) {
      params.append("layer", layer);
    });
    var query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      remember();
      refresh(true);
    });
    form.querySelectorAll("input[name=layer]").forEach(function (input) {
      input.addEventListener("change", function () {
        remember();
        refresh(false);
      });
    });
  }
  refresh(true);
})();
