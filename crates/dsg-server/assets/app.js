// dsg UI script: streamed uploads with a progress bar. Loaded from the
// gateway itself (CSP: script-src 'self'); no inline script anywhere.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

function setupUpload(form) {
  const input = form.querySelector('input[type="file"]');
  const progress = form.querySelector("progress");
  const status = form.querySelector(".upload-status");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = input.files && input.files[0];
    if (!file) return;
    let url = form.dataset.uploadUrl;
    if (form.dataset.newFile === "true") {
      url += "?name=" + encodeURIComponent(file.name);
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    progress.value = 0;
    progress.hidden = false;
    status.textContent = form.dataset.textUploading;
    status.dataset.state = "uploading";
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        progress.value = 100;
        status.textContent = form.dataset.textDone;
        status.dataset.state = "done";
        window.setTimeout(() => window.location.reload(), 400);
      } else {
        let message = "";
        try { message = JSON.parse(xhr.responseText).error.message; } catch (_) { message = String(xhr.status); }
        status.textContent = form.dataset.textFailed + ": " + message;
        status.dataset.state = "failed";
      }
    });
    xhr.addEventListener("error", () => {
      status.textContent = form.dataset.textFailed;
      status.dataset.state = "failed";
    });
    xhr.send(file);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-upload-url]").forEach(setupUpload);
});
