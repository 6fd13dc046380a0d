// The offline GraphQL explorer: posts the query with the token and shows the answer.
document.getElementById("explorer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const out = document.getElementById("result");
  let variables = {};
  try {
    variables = JSON.parse(document.getElementById("variables").value || "{}");
  } catch (e) {
    out.textContent = "Variablene er ikke gyldig JSON: " + e.message;
    return;
  }
  const headers = { "content-type": "application/json" };
  const token = document.getElementById("token").value.trim();
  if (token) headers.authorization = "Bearer " + token;
  const response = await fetch("/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query: document.getElementById("query").value, variables }),
  });
  const text = await response.text();
  try {
    out.textContent = JSON.stringify(JSON.parse(text), null, 2);
  } catch (e) {
    out.textContent = text;
  }
});
