// LTI Dynamic Registration §4: when the LMS admin presses "Done", tell the LMS that opened the registration (in a
// popup or an iframe) that we are done, so it can close us and show its own summary. Not at once: the page says
// what happened and what to do next, and the admin must be able to read it. The spec's examples use "*": the
// message carries nothing secret.
(function () {
  "use strict";
  var button = document.getElementById("registration-done");
  if (!button) {
    return;
  }
  var target = window.opener || (window.parent !== window ? window.parent : null);
  button.addEventListener("click", function () {
    if (target) {
      target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
    } else {
      window.close();
    }
  });
})();
