// Segment's "identify" call, as in Ory's web hook documentation: who signed up.
function(ctx) {
  userId: ctx.identity.id,
  traits: {
    email: ctx.identity.traits.email,
  },
}
