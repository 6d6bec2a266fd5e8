// Keep what is typed in this browser until it is sent, so a closed tab loses nothing:
// one draft per field, under the page it belongs to (the session and the turn it shows).
(function () {
  "use strict";
  var form = document.getElementById("step");
  if (!form || !window.localStorage) { return; }
  var prefix = "refleks-draft-" + form.dataset.draft + "-";
  var fields = form.querySelectorAll("textarea, input[type=text], input[type=radio], input[type=checkbox]");
  function key(field) { return prefix + field.name; }
  function chosen(name) {
    var values = [];
    form.querySelectorAll("input[name='" + name + "']:checked").forEach(function (box) {
      values.push(box.value);
    });
    return JSON.stringify(values);
  }
  try {
    var restored = {};
    fields.forEach(function (field) {
      var kept = localStorage.getItem(key(field));
      if (kept === null) { return; }
      if (field.type === "radio" || field.type === "checkbox") {
        var values = restored[field.name] || (restored[field.name] = JSON.parse(kept));
        field.checked = values.indexOf(field.value) !== -1;
      } else {
        field.value = kept;
      }
    });
    fields.forEach(function (field) {
      var save = function () {
        var plain = field.type !== "radio" && field.type !== "checkbox";
        localStorage.setItem(key(field), plain ? field.value : chosen(field.name));
      };
      field.addEventListener(field.type === "radio" || field.type === "checkbox" ? "change" : "input", save);
    });
    form.addEventListener("submit", function () {
      fields.forEach(function (field) { localStorage.removeItem(key(field)); });
    });
  } catch (e) { /* storage refused: the form works without drafts */ }
})();
