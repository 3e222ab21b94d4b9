module github.com/mailwright/mailwright/oauthgmail

go 1.26.0

require golang.org/x/oauth2 v0.38.0

replace github.com/mailwright/mailwright/saslmech => ../saslmech
