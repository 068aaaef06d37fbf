// Segment "identify" for every sign-up except internal staff accounts.
// Raising exactly `error "cancel"` skips this one hook silently, as in Kratos:
// no request is sent and the registration goes on.
local identify = import 'segment_identify.jsonnet';

function(ctx)
  if std.endsWith(ctx.identity.traits.email, '@internal.example') then
    error 'cancel'
  else
    identify(ctx)
