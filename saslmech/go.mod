module github.com/mailwright/mailwright/saslmech

go 1.26
