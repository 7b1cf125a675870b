"""Extension objects, created unbound; create_app binds them."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from web.redis_client import FlaskRedis


class Base(DeclarativeBase):
    """Declarative base shared by every model, with constraint names Alembic can rely on."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Moving window, stored in the app's Redis (create_app points RATELIMIT_STORAGE_URI at it).
limiter = Limiter(key_func=get_remote_address, strategy="moving-window", headers_enabled=True)
redis_store = FlaskRedis()
