// « Imprimer » buttons (no inline script: the CSP allows scripts from this site only).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
