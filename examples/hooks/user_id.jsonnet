// Who just logged in (login after). ctx.session.id is still the nil UUID at
// this point, as in Kratos: the session is stored after the hooks ran.
function(ctx) {
  user_id: ctx.identity.id,
}
