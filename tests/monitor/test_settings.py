

def test_stored_smtp_password_is_dropped_when_the_server_changes(ctx) -> None:  # type: ignore[no-untyped-def]
    """Security review: pointing SMTP at another host must not send it the old password."""
    from certyard.monitor import settings as ms

    ms.update_smtp_settings(ctx, host="mail.example.com", username="u", password="pw-123456")
    assert ms.get_smtp_settings(ctx).password_sealed
    ms.update_smtp_settings(ctx, sender="ops@example.com")  # unrelated change keeps it
    assert ms.get_smtp_settings(ctx).password_sealed
    ms.update_smtp_settings(ctx, host="attacker.example.net")
    assert ms.get_smtp_settings(ctx).password_sealed == ""
