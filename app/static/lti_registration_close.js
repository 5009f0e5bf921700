// LTI Dynamic Registration §4: tell the LMS that opened the registration (in a popup or an iframe) that we are done,
// so it can close us and show its own summary. The spec's examples use "*": the message carries nothing secret.
(function () {
  "use strict";
  var target = window.opener || (window.parent !== window ? window.parent : null);
  if (target) {
    target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
})();
