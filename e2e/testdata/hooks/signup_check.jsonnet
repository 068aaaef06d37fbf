// The synchronous sign-up check (registration after password, parse).
function(ctx) {
  email: ctx.identity.traits.email,
}
