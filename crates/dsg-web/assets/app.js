// dsg UI script: streamed uploads with a progress bar, passkeys, and copy
// and print of one-time secrets. Loaded from the gateway itself (CSP:
// script-src 'self'); no inline script anywhere.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

// The listed file of the same name, if any (the compartment page's rows).
function fileNamed(name) {
  for (const row of document.querySelectorAll("tr.file-row[data-versions-url]")) {
    if (row.dataset.name === name) return row;
  }
  return null;
}

function setupUpload(form) {
  const input = form.querySelector('input[type="file"]');
  const progress = form.querySelector("progress");
  const status = form.querySelector(".upload-status");
  const collision = form.querySelector("#upload-collision");
  // A name that is already a file's: offer its new version (the default)
  // or no upload, rather than a second file of that name.
  const existing = () => {
    const file = input.files && input.files[0];
    return form.dataset.newFile === "true" && file ? fileNamed(file.name) : null;
  };
  if (collision) {
    input.addEventListener("change", () => {
      const row = existing();
      collision.hidden = !row;
      if (row) form.querySelector("#collision-name").textContent = row.dataset.name;
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = input.files && input.files[0];
    if (!file) return;
    let url = form.dataset.uploadUrl;
    const row = existing();
    if (row) {
      const choice = form.querySelector('input[name="collision"]:checked');
      if (choice && choice.value === "cancel") {
        status.textContent = form.dataset.textCancelled;
        status.dataset.state = "cancelled";
        return;
      }
      url = row.dataset.versionsUrl;
    } else if (form.dataset.newFile === "true") {
      url += "?name=" + encodeURIComponent(file.name);
      const end = form.querySelector('select[name="end"]');
      if (end && end.value) url += "&end=" + encodeURIComponent(end.value);
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
