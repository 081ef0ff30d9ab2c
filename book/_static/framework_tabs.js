// "Both": a third choice for the framework switch (book/_ext/framework_tabs.py).
//
// sphinx-design's synced tabs (sync group "framework") show one framework at a time and
// remember the choice in localStorage. This script adds a "Both" button to every framework
// tab set. Choosing it puts the class `d2l-framework-both` on <html> (framework_tabs.css then
// shows both tabs of every framework tab set: side by side on a wide screen, stacked with
// PyTorch first on a narrow one) and remembers it under the localStorage key
// "d2l-framework-both", across pages and reloads. Choosing PyTorch or TensorFlow again (a
// click on either tab label) leaves Both mode and shows that framework, as before.
(function () {
  "use strict";
  const KEY = "d2l-framework-both";
  const MODE_CLASS = "d2l-framework-both";
  const SET_CLASS = "d2l-framework-set";
  const GROUP = "framework";

  function stored() {
    try {
      return window.localStorage.getItem(KEY) === "1";
    } catch (err) {
      return false; // storage blocked: Both mode simply is not remembered
    }
  }

  function store(on) {
    try {
      if (on) window.localStorage.setItem(KEY, "1");
      else window.localStorage.removeItem(KEY);
    } catch (err) {
      // persistence unavailable; ignore
    }
  }

  function setMode(on) {
    document.documentElement.classList.toggle(MODE_CLASS, on);
    document.querySelectorAll("." + SET_CLASS + " > .d2l-both-button").forEach((button) => {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  // Before the page is drawn (this script sits in <head>), so Both mode does not flicker.
  setMode(stored());

  function ready() {
    const sets = new Set();
    document.querySelectorAll('.sd-tab-set > label[data-sync-group="' + GROUP + '"]').forEach((label) => {
      sets.add(label.parentElement);
      // a tab label chosen (mouse or keyboard: the radio input changes) leaves Both mode
      label.addEventListener("click", () => {
        store(false);
        setMode(false);
      });
      const input = label.previousElementSibling;
      if (input instanceof HTMLInputElement) {
        input.addEventListener("change", () => {
          store(false);
          setMode(false);
        });
      }
    });
    sets.forEach((tabSet) => {
      tabSet.classList.add(SET_CLASS);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "d2l-both-button";
      button.textContent = "Both";
      button.title = "Show PyTorch and TensorFlow side by side";
      button.addEventListener("click", () => {
        const on = !document.documentElement.classList.contains(MODE_CLASS);
        store(on);
        setMode(on);
      });
      // after the last tab's content, so sphinx-design's input + label + content order holds
      tabSet.appendChild(button);
    });
    setMode(stored());
  }

  // another page of the site (another browser tab) changed the choice
  window.addEventListener("storage", (event) => {
    if (event.key === KEY) setMode(event.newValue === "1");
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
