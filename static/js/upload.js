// Evidence upload: drag and drop, several files at once, a progress bar per file.
// Without JavaScript the same form posts all files in one request.
(function () {
  "use strict";
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var zone = form.querySelector("[data-dropzone]");
    var list = form.querySelector("[data-progress]");

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.remove("dragging");
      });
    });
    zone.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showChosen();
      }
    });
    input.addEventListener("change", showChosen);

    function showChosen() {
      list.innerHTML = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " (" + Math.ceil(file.size / 1024) + " KB)";
        list.appendChild(item);
      });
    }

    function send(file) {
      return new Promise(function (resolve) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        var bar = document.createElement("progress");
        var status = document.createElement("span");
        name.textContent = file.name + " ";
        bar.max = 100;
        bar.value = 0;
        status.className = "upload-status";
        item.appendChild(name);
        item.appendChild(bar);
        item.appendChild(status);
        list.appendChild(item);

        var data = new FormData();
        data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
        data.append("kind", form.querySelector("[name=kind]").value);
        data.append("description", form.querySelector("[name=description]").value);
        data.append("files", file);

        var request = new XMLHttpRequest();
        request.open("POST", form.action);
        request.setRequestHeader("Accept", "application/json");
        request.upload.addEventListener("progress", function (event) {
          if (event.lengthComputable) {
            bar.value = Math.round((100 * event.loaded) / event.total);
          }
        });
        request.addEventListener("load", function () {
          var ok = request.status === 201;
          var message = "";
          try {
            var body = JSON.parse(request.responseText);
            message = ok ? "✓" : body.message;
          } catch (error) {
            message = ok ? "✓" : String(request.status);
          }
          bar.value = 100;
          status.textContent = " " + message;
          item.classList.add(ok ? "ok" : "failed");
          resolve(ok);
        });
        request.addEventListener("error", function () {
          status.textContent = " ✗";
          item.classList.add("failed");
          resolve(false);
        });
        request.send(data);
      });
    }

    form.addEventListener("submit", function (event) {
      if (!input.files.length || !window.FormData || !window.Promise) {
        return;
      }
      event.preventDefault();
      list.innerHTML = "";
      var files = Array.prototype.slice.call(input.files);
      Promise.all(files.map(send)).then(function (results) {
        if (results.every(Boolean)) {
          window.location.reload();
        } else {
          form.classList.add("has-failures");
          var again = document.createElement("li");
          var link = document.createElement("a");
          link.href = window.location.pathname;
          link.textContent = form.getAttribute("data-reload-text") || "↻";
          again.appendChild(link);
          list.appendChild(again);
        }
      });
    });
  });
})();
