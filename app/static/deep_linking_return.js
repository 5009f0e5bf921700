// Send the Deep Linking answer to the LMS at once; without scripts the page's button does the same.
(function () {
  "use strict";
  var form = document.getElementById("deep-linking-return");
  if (form) { form.submit(); }
}());
