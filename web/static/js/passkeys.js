/* Passkeys (WebAuthn): « Ajouter une clé d'accès » and the login's second step.
 *
 * The server sends the options as JSON (binary values in base64url); the browser's API
 * wants ArrayBuffers, and its answer goes back as JSON again. Every request carries the
 * page's CSRF token in the X-CSRFToken header. Messages come from the page (data-*), in the
 * page's language. No inline script anywhere: the CSP allows this file only.
 */
(function () {
  "use strict";

  function toBuffer(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = window.atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) {
      binary += String.fromCharCode(bytes[i]);
    }
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (entry) {
      var copy = { type: entry.type, id: toBuffer(entry.id) };
      if (entry.transports) {
        copy.transports = entry.transports;
      }
      return copy;
    });
  }

  function creationOptions(options) {
    var publicKey = Object.assign({}, options);
    publicKey.challenge = toBuffer(options.challenge);
    publicKey.user = Object.assign({}, options.user, { id: toBuffer(options.user.id) });
    publicKey.excludeCredentials = descriptors(options.excludeCredentials);
    return publicKey;
  }

  function requestOptions(options) {
    var publicKey = Object.assign({}, options);
    publicKey.challenge = toBuffer(options.challenge);
    publicKey.allowCredentials = descriptors(options.allowCredentials);
    return publicKey;
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults
        ? credential.getClientExtensionResults()
        : {},
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (credential.authenticatorAttachment) {
      json.authenticatorAttachment = credential.authenticatorAttachment;
    }
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      json.response.userHandle = response.userHandle ? toBase64url(response.userHandle) : null;
    }
    return json;
  }

  function supported() {
    return Boolean(
      window.PublicKeyCredential && navigator.credentials && navigator.credentials.create
    );
  }

  /* POST JSON; resolves with {ok, status, body} (body: the server's JSON, or null). */
  function post(url, token, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": token,
      },
      body: JSON.stringify(payload),
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return null;
        })
        .then(function (body) {
          return { ok: response.ok, status: response.status, body: body };
        });
    });
  }

  function Status(element) {
    this.element = element;
  }
  Status.prototype.show = function (message) {
    this.element.textContent = message;
    this.element.hidden = false;
  };
  Status.prototype.clear = function () {
    this.element.textContent = "";
    this.element.hidden = true;
  };

  /* A refusal of the browser (the person cancelled, or the device said no) vs. the rest. */
  function browserRefused(error) {
    return error && (error.name === "NotAllowedError" || error.name === "AbortError"
      || error.name === "InvalidStateError" || error.name === "SecurityError");
  }

  function Failure(message, field) {
    this.message = message;
    this.field = field;
  }

  function serverAnswer(result, fallback) {
    if (result.ok && result.body) {
      return result.body;
    }
    throw new Failure(
      (result.body && result.body.error) || fallback,
      result.body && result.body.field
    );
  }

  function setFieldError(input, message) {
    var id = input.id + "-js-error";
    var existing = document.getElementById(id);
    if (!message) {
      if (existing) {
        existing.remove();
      }
      input.removeAttribute("aria-invalid");
      return;
    }
    if (!existing) {
      existing = document.createElement("p");
      existing.className = "field-error";
      existing.id = id;
      input.parentNode.insertBefore(existing, input);
      var described = (input.getAttribute("aria-describedby") || "").split(" ");
      if (described.indexOf(id) < 0) {
        described.push(id);
        input.setAttribute("aria-describedby", described.join(" ").trim());
      }
    }
    existing.textContent = message;
    input.setAttribute("aria-invalid", "true");
  }

  function setUpRegistration(form) {
    var status = new Status(form.querySelector("[data-passkey-status]"));
    var nameInput = form.querySelector("input[name='name']");
    var tokenInput = form.querySelector("input[name='csrf_token']");
    var button = form.querySelector("button[type='submit']");
    var busy = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) {
        return;
      }
      status.clear();
      setFieldError(nameInput, "");
      if (!supported()) {
        status.show(form.dataset.unsupported);
        return;
      }
      busy = true;
      button.disabled = true;
      var token = tokenInput.value;
      var name = nameInput.value;
      post(form.dataset.optionsUrl, token, { name: name })
        .then(function (result) {
          var body = serverAnswer(result, form.dataset.failed);
          return navigator.credentials
            .create({ publicKey: creationOptions(body.options) })
            .catch(function (error) {
              throw new Failure(browserRefused(error) ? form.dataset.refused : form.dataset.unsupported);
            });
        })
        .then(function (credential) {
          return post(form.dataset.verifyUrl, token, {
            name: name,
            credential: credentialJSON(credential),
          });
        })
        .then(function (result) {
          window.location.assign(serverAnswer(result, form.dataset.failed).redirect);
        })
        .catch(function (failure) {
          var message = failure instanceof Failure ? failure.message : form.dataset.failed;
          if (failure && failure.field === "name") {
            setFieldError(nameInput, message);
            nameInput.focus();
          } else {
            status.show(message);
          }
          busy = false;
          button.disabled = false;
        });
    });
  }

  function setUpLogin(section) {
    var status = new Status(section.querySelector("[data-passkey-status]"));
    var button = section.querySelector("[data-passkey-start]");
    var token = section.dataset.csrfToken;
    var busy = false;
    button.addEventListener("click", function () {
      if (busy) {
        return;
      }
      status.clear();
      if (!supported()) {
        status.show(section.dataset.unsupported);
        return;
      }
      busy = true;
      button.disabled = true;
      post(section.dataset.optionsUrl, token, {})
        .then(function (result) {
          var body = serverAnswer(result, section.dataset.failed);
          return navigator.credentials
            .get({ publicKey: requestOptions(body.options) })
            .catch(function (error) {
              throw new Failure(
                browserRefused(error) ? section.dataset.refused : section.dataset.unsupported
              );
            });
        })
        .then(function (credential) {
          return post(section.dataset.verifyUrl, token, { credential: credentialJSON(credential) });
        })
        .then(function (result) {
          window.location.assign(serverAnswer(result, section.dataset.failed).redirect);
        })
        .catch(function (failure) {
          status.show(failure instanceof Failure ? failure.message : section.dataset.failed);
          busy = false;
          button.disabled = false;
          button.focus();
        });
    });
  }

  function start() {
    document.querySelectorAll("[data-passkey-register]").forEach(setUpRegistration);
    document.querySelectorAll("[data-passkey-login]").forEach(setUpLogin);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
