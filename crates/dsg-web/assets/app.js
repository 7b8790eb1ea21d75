// dsg UI script: streamed uploads with a progress bar, passkeys, and copy
// and print of one-time secrets. Loaded from the gateway itself (CSP:
// script-src 'self'); no inline script anywhere.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

// The compartment's file of the same name, if any (every file, whatever
// page of the list is shown).
function fileNamed(name) {
  for (const row of document.querySelectorAll("#existing-files li[data-versions-url]")) {
    if (row.dataset.name === name) return row;
  }
  return null;
}

// One file's line in the queue: its name, its own bar, its state in words.
function queueItem(queue, file) {
  const li = document.createElement("li");
  li.className = "upload-item";
  li.dataset.name = file.name;
  const name = document.createElement("span");
  name.className = "upload-name";
  name.textContent = file.name;
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  bar.setAttribute("aria-label", file.name);
  const state = document.createElement("span");
  state.className = "upload-item-status";
  li.append(name, bar, state);
  queue.appendChild(li);
  return { li, bar, state };
}

function setItem(item, state, text) {
  item.li.dataset.state = state;
  item.state.dataset.state = state;
  item.state.textContent = text;
}

// Sends one file; resolves with whether it was stored. `onBytes` hears
// the bytes sent so far.
function sendFile(url, file, onBytes) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) onBytes(e.loaded);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onBytes(file.size);
        resolve({ ok: true, message: "" });
        return;
      }
      let message = "";
      try { message = JSON.parse(xhr.responseText).error.message; } catch (_) { message = String(xhr.status); }
      resolve({ ok: false, message });
    });
    xhr.addEventListener("error", () => resolve({ ok: false, message: "" }));
    xhr.send(file);
  });
}

function setupUpload(form) {
  const input = form.querySelector('input[type="file"]');
  const progress = form.querySelector("#upload-progress");
  const status = form.querySelector(".upload-status");
  const queue = form.querySelector("#upload-queue");
  const collision = form.querySelector("#upload-collision");
  const zone = form.querySelector("#drop-zone");
  const newFile = form.dataset.newFile === "true";
  const chosen = () => Array.from(input.files || []);
  // The chosen files whose names are already files' (new-file form only):
  // each becomes a new version of that file (the default) or is skipped,
  // rather than a second file of the same name.
  const existing = () => (newFile ? chosen().filter((f) => fileNamed(f.name)) : []);
  const showChoice = () => {
    if (collision) {
      const clashes = existing();
      collision.hidden = clashes.length === 0;
      form.querySelector("#collision-name").textContent = clashes.map((f) => f.name).join("、");
    }
    if (queue && newFile) {
      queue.textContent = "";
      queue.hidden = chosen().length === 0;
      for (const file of chosen()) setItem(queueItem(queue, file), "waiting", form.dataset.textWaiting);
    }
  };
  input.addEventListener("change", showChoice);
  if (zone) {
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      zone.dataset.over = "true";
    });
    zone.addEventListener("dragleave", () => { zone.dataset.over = "false"; });
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.dataset.over = "false";
      if (!event.dataTransfer || event.dataTransfer.files.length === 0) return;
      input.files = event.dataTransfer.files;
      showChoice();
    });
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const files = chosen();
    if (files.length === 0) return;
    const choice = form.querySelector('input[name="collision"]:checked');
    const skipClashes = choice && choice.value === "cancel";
    const plan = files.map((file) => {
      const row = newFile ? fileNamed(file.name) : null;
      let url = form.dataset.uploadUrl;
      if (row) {
        url = row.dataset.versionsUrl;
      } else if (newFile) {
        url += "?name=" + encodeURIComponent(file.name);
        const end = form.querySelector('select[name="end"]');
        if (end && end.value) url += "&end=" + encodeURIComponent(end.value);
      }
      return { file, url, skip: Boolean(row) && skipClashes };
    });
    const items = new Map();
    if (queue && newFile) {
      queue.textContent = "";
      queue.hidden = false;
      for (const p of plan) items.set(p, queueItem(queue, p.file));
    }
    const sending = plan.filter((p) => !p.skip);
    for (const p of plan) {
      const item = items.get(p);
      if (item) setItem(item, p.skip ? "skipped" : "waiting", p.skip ? form.dataset.textSkipped : form.dataset.textWaiting);
    }
    if (sending.length === 0) {
      status.textContent = form.dataset.textCancelled;
      status.dataset.state = "cancelled";
      return;
    }
    const total = sending.reduce((sum, p) => sum + p.file.size, 0) || 1;
    let before = 0;
    let failed = 0;
    progress.value = 0;
    progress.hidden = false;
    status.textContent = form.dataset.textUploading;
    status.dataset.state = "uploading";
    const button = form.querySelector("#upload-button");
    if (button) button.disabled = true;
    // One at a time: each file is streamed whole, and the disk, not the
    // number of requests, is the limit.
    for (const p of sending) {
      const item = items.get(p);
      if (item) setItem(item, "uploading", form.dataset.textUploading);
      const result = await sendFile(p.url, p.file, (sent) => {
        if (item && p.file.size > 0) item.bar.value = Math.round((sent / p.file.size) * 100);
        progress.value = Math.min(99, Math.round(((before + sent) / total) * 100));
      });
      before += p.file.size;
      if (result.ok) {
        if (item) {
          item.bar.value = 100;
          setItem(item, "done", form.dataset.textDone);
        }
      } else {
        failed += 1;
        const text = form.dataset.textFailed + (result.message ? ": " + result.message : "");
        if (item) setItem(item, "failed", text);
        if (!item) status.textContent = text;
      }
    }
    if (button) button.disabled = false;
    if (failed === 0) {
      progress.value = 100;
      status.textContent = form.dataset.textDone;
      status.dataset.state = "done";
      window.setTimeout(() => window.location.reload(), 400);
    } else {
      // Keep the page: the lines say which files failed and why.
      status.textContent = items.size > 0 ? form.dataset.textFailed + " (" + failed + "/" + sending.length + ")" : status.textContent;
      status.dataset.state = "failed";
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-upload-url]").forEach(setupUpload);
});

// ---- WebAuthn (passkeys with user verification) ----------------------------
// The server sends the JSON webauthn-rs produces (binary fields base64url);
// the browser API wants ArrayBuffers. These two helpers convert.

function b64urlToBuffer(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "===".slice((base64.length + 3) % 4);
  const raw = atob(padded);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes.buffer;
}

function bufferToB64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let raw = "";
  for (const b of bytes) raw += String.fromCharCode(b);
  return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(body === undefined ? {} : body),
    credentials: "same-origin",
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const code = data.error ? data.error.code : String(response.status);
    throw new Error(code);
  }
  return data;
}

async function getAssertion(options) {
  const pk = options.publicKey;
  pk.challenge = b64urlToBuffer(pk.challenge);
  for (const c of pk.allowCredentials || []) c.id = b64urlToBuffer(c.id);
  const cred = await navigator.credentials.get({ publicKey: pk });
  return {
    id: cred.id,
    rawId: bufferToB64url(cred.rawId),
    type: cred.type,
    response: {
      authenticatorData: bufferToB64url(cred.response.authenticatorData),
      clientDataJSON: bufferToB64url(cred.response.clientDataJSON),
      signature: bufferToB64url(cred.response.signature),
      userHandle: cred.response.userHandle ? bufferToB64url(cred.response.userHandle) : null,
    },
    extensions: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
  };
}

async function createCredential(options) {
  const pk = options.publicKey;
  pk.challenge = b64urlToBuffer(pk.challenge);
  pk.user.id = b64urlToBuffer(pk.user.id);
  for (const c of pk.excludeCredentials || []) c.id = b64urlToBuffer(c.id);
  const cred = await navigator.credentials.create({ publicKey: pk });
  return {
    id: cred.id,
    rawId: bufferToB64url(cred.rawId),
    type: cred.type,
    response: {
      attestationObject: bufferToB64url(cred.response.attestationObject),
      clientDataJSON: bufferToB64url(cred.response.clientDataJSON),
      transports: cred.response.getTransports ? cred.response.getTransports() : [],
    },
    extensions: {},
  };
}

function showStatus(el, text, state) {
  el.textContent = text;
  el.dataset.state = state;
}

// Second step of login, and step-up: ask the authenticator, send the answer.
function setupPasskeyCheck(button) {
  const status = document.getElementById("passkey-status");
  button.addEventListener("click", async () => {
    button.disabled = true;
    showStatus(status, button.dataset.textWorking, "working");
    try {
      const options = await postJson(button.dataset.optionsUrl);
      const webauthn = options.webauthn || options;
      const assertion = await getAssertion(webauthn);
      await postJson(button.dataset.submitUrl, { webauthn: assertion });
      showStatus(status, button.dataset.textDone, "done");
      window.location.assign(button.dataset.next || "/");
    } catch (e) {
      showStatus(status, button.dataset.textFailed + " (" + e.message + ")", "failed");
      button.disabled = false;
    }
  });
}

function textFileUrl(text) {
  return "data:text/plain;charset=utf-8," + encodeURIComponent(text);
}

function showRecoveryCodes(codes) {
  const box = document.getElementById("recovery-codes");
  const list = document.getElementById("recovery-code-list");
  if (!box || !list || !codes) return;
  list.textContent = "";
  for (const code of codes) {
    const li = document.createElement("li");
    li.textContent = code;
    list.appendChild(li);
  }
  const download = document.getElementById("recovery-code-list-download");
  if (download) download.href = textFileUrl(codes.map((c) => c + "\n").join(""));
  box.hidden = false;
}

// After enrolment the session has ended: hide the registration controls
// and the header's signed-in parts (name, links, log out: there is no
// session any more), and point to the login page.
function finishEnrolment(signedOut) {
  const next = document.getElementById("after-enrolment");
  if (!next || !signedOut) return;
  for (const id of ["passkey-register", "totp-start"]) {
    const el = document.getElementById(id);
    const card = el && el.closest(".card");
    if (card) card.hidden = true;
  }
  document.querySelectorAll("header.top nav > :not(#lang-switch)").forEach((el) => {
    el.hidden = true;
  });
  next.hidden = false;
}

// ---- One-time secrets: copy and print (the download is a data: link) ------

function secretText(el) {
  if (el.tagName === "OL" || el.tagName === "UL") {
    return Array.from(el.querySelectorAll("li"), (li) => li.textContent.trim()).join("\n");
  }
  return el.textContent.trim();
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Older browsers: copy from a selected, off-screen text area.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.left = "-9999px";
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("copy refused");
}

function setupSecretActions() {
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const status = document.getElementById(button.dataset.copy + "-status");
    button.addEventListener("click", async () => {
      const el = document.getElementById(button.dataset.copy);
      if (!el) return;
      try {
        await copyText(secretText(el));
        if (status) showStatus(status, button.dataset.textCopied, "copied");
      } catch (_) {
        if (status) showStatus(status, button.dataset.textFailed, "failed");
      }
    });
  });
  document.querySelectorAll("button[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
}

// Registering a passkey (enrolment, or adding one later).
function setupPasskeyRegistration(button) {
  const status = document.getElementById("register-status");
  const name = document.getElementById("passkey-name");
  button.addEventListener("click", async () => {
    button.disabled = true;
    showStatus(status, button.dataset.textWorking, "working");
    try {
      const options = await postJson("/api/v1/me/passkeys/options", { name: name.value || "passkey" });
      const credential = await createCredential(options);
      const result = await postJson("/api/v1/me/passkeys", credential);
      showStatus(status, button.dataset.textDone, "done");
      showRecoveryCodes(result.recovery_codes);
      finishEnrolment(result.signed_out);
      if (!result.signed_out && button.dataset.next) window.location.assign(button.dataset.next);
    } catch (e) {
      showStatus(status, button.dataset.textFailed + " (" + e.message + ")", "failed");
      button.disabled = false;
    }
  });
}

// TOTP enrolment where the agency allows it: show the seed, confirm a code.
function setupTotpEnrolment(button) {
  const panel = document.getElementById("totp-panel");
  const secret = document.getElementById("totp-secret");
  const uri = document.getElementById("totp-uri");
  const form = document.getElementById("totp-confirm");
  const status = document.getElementById("totp-status");
  button.addEventListener("click", async () => {
    try {
      const data = await postJson("/api/v1/me/totp/options");
      secret.textContent = data.secret;
      uri.textContent = data.otpauth_uri;
      panel.hidden = false;
    } catch (e) {
      showStatus(status, button.dataset.textFailed + " (" + e.message + ")", "failed");
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const code = document.getElementById("totp-code").value.trim();
      const result = await postJson("/api/v1/me/totp", { code });
      showStatus(status, button.dataset.textDone, "done");
      showRecoveryCodes(result.recovery_codes);
      finishEnrolment(result.signed_out);
      if (!result.signed_out && button.dataset.next) window.location.assign(button.dataset.next);
    } catch (e) {
      showStatus(status, button.dataset.textFailed + " (" + e.message + ")", "failed");
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const check = document.getElementById("passkey-check");
  if (check) setupPasskeyCheck(check);
  const register = document.getElementById("passkey-register");
  if (register) setupPasskeyRegistration(register);
  const totp = document.getElementById("totp-start");
  if (totp) setupTotpEnrolment(totp);
  setupSecretActions();
});
