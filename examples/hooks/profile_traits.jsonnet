// The traits a settings profile submit would store (settings after profile,
// response parse): ctx.identity already holds the submitted values.
function(ctx) {
  traits: ctx.identity.traits,
}
