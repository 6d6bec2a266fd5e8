// Inside Telegram: hand the signed init data to the server, which checks it and signs in.
(function () {
  "use strict";
  var webApp = window.Telegram && window.Telegram.WebApp;
  var form = document.getElementById("mini-app");
  if (!webApp || !form || !webApp.initData) { return; }
  webApp.ready();
  form.elements.init_data.value = webApp.initData;
  form.submit();
})();
