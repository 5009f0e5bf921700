// LTI platform storage (1EdTech "LTI Client Side postMessages"): the tool keeps a secret of the login in the
// LMS page ("put" on the login page) and reads it back at launch ("get" on the launch page), so a launch
// works where the browser keeps no cookie for the tool. Messages go only to, and are taken only from,
// the LMS's origin.
(function () {
  "use strict";
  var config = document.getElementById("lti-platform-storage").dataset;
  var target = config.target === "_parent" ? window.parent : (window.parent.frames[config.target] || null);
  var WAIT_MS = 3000;

  function send(message) {
    return new Promise(function (resolve) {
      if (!target || target === window) { resolve(null); return; }
      var id = "rexvet-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
      var timer = setTimeout(function () { finish(null); }, WAIT_MS);
      function finish(answer) {
        clearTimeout(timer);
        window.removeEventListener("message", onMessage);
        resolve(answer);
      }
      function onMessage(event) {
        var data = event.data;
        if (event.origin !== config.platformOrigin || !data || data.message_id !== id ||
            data.subject !== message.subject + ".response") { return; }
        finish(data.error ? null : data);
      }
      window.addEventListener("message", onMessage);
      message.message_id = id;
      target.postMessage(message, config.platformOrigin);
    });
  }

  if (config.mode === "put") {
    Promise.all([
      send({ subject: "lti.put_data", key: config.stateKey, value: config.stateSecret }),
      send({ subject: "lti.put_data", key: config.nonceKey, value: config.nonce })
    ]).then(function () { window.location.replace(config.next); });
    return;
  }

  var form = document.getElementById("lti-storage-form");
  Promise.all([
    send({ subject: "lti.get_data", key: config.stateKey }),
    send({ subject: "lti.get_data", key: config.nonceKey })
  ]).then(function (answers) {
    var secret = answers[0] && answers[0].value, nonce = answers[1] && answers[1].value;
    var fallback = document.getElementById("lti-new-window");
    if (!secret && fallback) {
      // The LMS kept nothing for us: continuing here would fail, so offer the new window.
      document.getElementById("lti-storage-status").hidden = true;
      fallback.hidden = false;
      return;
    }
    form.elements.lti_storage_secret.value = secret || "";
    form.elements.lti_storage_nonce.value = nonce || "";
    form.submit();
  });
})();
