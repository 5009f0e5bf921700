// The platform side of 1EdTech's "LTI Client Side postMessages" with platform storage: the course page
// keeps small values for the tool in its iframe, so a launch works even when the browser stores no
// cookie for the tool. The login initiation tells the tool so with lti_storage_target=_parent.
(function () {
  "use strict";
  const toolOrigin = document.currentScript.dataset.toolOrigin;
  const subjects = ["lti.capabilities", "lti.put_data", "lti.get_data"];
  const storage = new Map(); // origin -> Map(key -> value): a frame reads only what its own origin stored

  function reply(event, fields) {
    const response = { subject: event.data.subject + ".response", message_id: event.data.message_id };
    event.source.postMessage(Object.assign(response, fields), event.origin);
  }

  window.addEventListener("message", function (event) {
    const message = event.data;
    if (typeof message !== "object" || message === null || !subjects.includes(message.subject)) {
      return;
    }
    if (message.subject === "lti.capabilities") {
      reply(event, { supported_messages: subjects.map(function (subject) { return { subject: subject }; }) });
      return;
    }
    if (event.origin !== toolOrigin) {
      reply(event, { error: { code: "unauthorized", message: "only the tool's origin may use platform storage" } });
      return;
    }
    if (typeof message.key !== "string" || message.key === "") {
      reply(event, { error: { code: "bad_request", message: "key is required" } });
      return;
    }
    if (!storage.has(event.origin)) {
      storage.set(event.origin, new Map());
    }
    const values = storage.get(event.origin);
    if (message.subject === "lti.put_data") {
      values.set(message.key, message.value);
      reply(event, { key: message.key, value: message.value });
    } else {
      reply(event, { key: message.key, value: values.has(message.key) ? values.get(message.key) : null });
    }
  });
})();
