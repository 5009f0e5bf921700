// Posts the page's form at once, as an LMS does during a launch; the button stays for browsers without scripts.
document.getElementById("autosubmit-form").submit();
