// The platform side of LTI Dynamic Registration §4: when the tool's registration page (in our iframe) posts
// org.imsglobal.lti.close, the registration is over: leave the iframe and show the list of tools.
(function () {
  "use strict";
  const script = document.currentScript;
  const toolOrigin = script.dataset.toolOrigin;
  const doneUrl = script.dataset.doneUrl;
  window.addEventListener("message", function (event) {
    if (event.origin !== toolOrigin || typeof event.data !== "object" || event.data === null) {
      return;
    }
    if (event.data.subject === "org.imsglobal.lti.close") {
      document.getElementById("registration-status").textContent = "The tool finished its registration.";
      window.location.assign(doneUrl);
    }
  });
})();
