// Keep what is typed in this browser until it is sent, so a closed tab loses nothing.
(function () {
  "use strict";
  var form = document.getElementById("step");
  var field = document.getElementById("answer");
  if (!form || !field || !window.localStorage) { return; }
  var key = "refleks-draft-" + form.dataset.draft;
  try {
    if (!field.value) { field.value = localStorage.getItem(key) || ""; }
    field.addEventListener("input", function () { localStorage.setItem(key, field.value); });
    form.addEventListener("submit", function () { localStorage.removeItem(key); });
  } catch (e) { /* storage refused: the form works without drafts */ }
})();
