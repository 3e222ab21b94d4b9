module github.com/mailwright/mailwright/oauthgmail

go 1.26

require (
	github.com/mailwright/mailwright/saslmech v0.0.0
)

replace (
	github.com/mailwright/mailwright/saslmech => ../saslmech
)
